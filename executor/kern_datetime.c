/* executor/kern_datetime.c: date/time arithmetic operators over common/datetime.h. Strict;
 * the timestamptz forms work in the session zone (ctx->dt->zone, UTC when NULL). */
#include "executor/kern_int.h"

static const TzZone *zone_of(const KernCtx *ctx) { return ctx->dt != NULL ? ctx->dt->zone : NULL; }

/* DT_BINARY: for each valid row, x (TA) and y (TB) into ov[r] (TO) through BODY. */
#define DT_BINARY(NAME, TA, TB, TO, ...)                                                   \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        TO *ov = (TO *)out->data;                                                          \
        const TzZone *zone = zone_of(ctx);                                                 \
        (void)zone;                                                                        \
        BINARY_LOOP(TA, TB, args[0], args[1], sel, count, {                                \
            if (!row_valid(out, r)) continue;                                              \
            __VA_ARGS__                                                                    \
        });                                                                                \
        return NULL;                                                                       \
    }

DT_BINARY(kern_date_add_days, int32_t, int32_t, int32_t, TRY(dt_date_add_days(x, y, &ov[r]));)
DT_BINARY(kern_date_sub_days, int32_t, int32_t, int32_t, TRY(dt_date_sub_days(x, y, &ov[r]));)
DT_BINARY(kern_date_diff, int32_t, int32_t, int32_t, TRY(dt_date_diff(x, y, &ov[r]));)
DT_BINARY(kern_timestamp_add_interval, int64_t, DtInterval, int64_t,
          TRY(dt_timestamp_add_interval(x, &y, &ov[r]));)
DT_BINARY(kern_timestamp_sub_interval, int64_t, DtInterval, int64_t,
          TRY(dt_timestamp_sub_interval(x, &y, &ov[r]));)
DT_BINARY(kern_timestamptz_add_interval, int64_t, DtInterval, int64_t,
          TRY(dt_timestamptz_add_interval(x, &y, zone, &ov[r]));)
DT_BINARY(kern_timestamptz_sub_interval, int64_t, DtInterval, int64_t,
          TRY(dt_timestamptz_sub_interval(x, &y, zone, &ov[r]));)
DT_BINARY(kern_timestamp_diff, int64_t, int64_t, DtInterval, TRY(dt_timestamp_diff(x, y, &ov[r]));)
DT_BINARY(kern_interval_add, DtInterval, DtInterval, DtInterval, TRY(dt_interval_add(&x, &y, &ov[r]));)
DT_BINARY(kern_interval_sub, DtInterval, DtInterval, DtInterval, TRY(dt_interval_sub(&x, &y, &ov[r]));)
DT_BINARY(kern_interval_mul, DtInterval, double, DtInterval, TRY(dt_interval_mul(&x, y, &ov[r]));)
DT_BINARY(kern_interval_div, DtInterval, double, DtInterval, TRY(dt_interval_div(&x, y, &ov[r]));)
DT_BINARY(kern_time_add_interval, int64_t, DtInterval, int64_t, ov[r] = dt_time_add_interval(x, &y);)
DT_BINARY(kern_time_diff, int64_t, int64_t, DtInterval, ov[r] = (DtInterval){ x - y, 0, 0 };)

KERN_DECLARE(kern_interval_neg)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    DtInterval *ov = (DtInterval *)out->data;
    UNARY_LOOP(DtInterval, args[0], sel, count, {
        if (!row_valid(out, r)) continue;
        TRY(dt_interval_negate(&x, &ov[r]));
    });
    return NULL;
}

/* date + interval / date - interval: the date as a timestamp at midnight (PostgreSQL's
 * date_pl_interval gives timestamp without time zone). */
DT_BINARY(kern_date_add_interval, int32_t, DtInterval, int64_t, DtTimestamp at;
          TRY(dt_date_to_timestamp(x, &at)); TRY(dt_timestamp_add_interval(at, &y, &ov[r]));)
DT_BINARY(kern_date_sub_interval, int32_t, DtInterval, int64_t, DtTimestamp at;
          TRY(dt_date_to_timestamp(x, &at)); TRY(dt_timestamp_sub_interval(at, &y, &ov[r]));)

#define DT_INTERVAL_UNARY(NAME, FN)                                                        \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        DtInterval *ov = (DtInterval *)out->data;                                          \
        UNARY_LOOP(DtInterval, args[0], sel, count, {                                      \
            if (!row_valid(out, r)) continue;                                              \
            TRY(FN(&x, &ov[r]));                                                           \
        });                                                                                \
        return NULL;                                                                       \
    }
DT_INTERVAL_UNARY(kern_justify_hours, dt_interval_justify_hours)
DT_INTERVAL_UNARY(kern_justify_days, dt_interval_justify_days)
DT_INTERVAL_UNARY(kern_justify_interval, dt_interval_justify_interval)

/* ---- extract / date_part / date_trunc: arg 0 is the unit text -------------------------------- */

/* extract_store: result into row r of out, numeric (extract) or float8 (date_part). */
static Error *extract_store(KernCtx *ctx, const DtNumber *result, Vector *out, uint32_t row_idx,
                            bool as_numeric)
{
    if (result->is_null) return vec_set_null(out, row_idx);
    if (!as_numeric) {
        vec_f64(out)[row_idx] = result->value;
        return NULL;
    }
    return numeric_from_text(result->text, out->arena, &vec_numeric(out)[row_idx]);
}

#define DT_EXTRACT(NAME, T, AS_NUMERIC, CALL)                                              \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        if (AS_NUMERIC) TRY(kern_num_out_general(out, sel, count));                        \
        const TzZone *zone = zone_of(ctx);                                                 \
        (void)zone;                                                                        \
        const T *values = (const T *)args[1]->data;                                        \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            char buffer[DT_UNIT_NAME_SIZE];                                                \
            const char *unit = kern_cstring(ctx, str_at(args[0], r), buffer, sizeof buffer); \
            if (unit == NULL) return kern_oom();                                           \
            T x = values[args[1]->is_constant ? 0 : r];                                    \
            DtNumber result;                                                               \
            TRY(CALL);                                                                     \
            TRY(extract_store(ctx, &result, out, r, AS_NUMERIC));                          \
        });                                                                                \
        return NULL;                                                                       \
    }
#define DT_EXTRACT_BOTH(SUFFIX, T, CALL)                                                   \
    DT_EXTRACT(kern_extract_##SUFFIX, T, true, CALL)                                       \
    DT_EXTRACT(kern_date_part_##SUFFIX, T, false, CALL)
DT_EXTRACT_BOTH(date, int32_t, dt_date_extract(unit, x, &result))
DT_EXTRACT_BOTH(time, int64_t, dt_time_extract(unit, x, &result))
DT_EXTRACT_BOTH(timestamp, int64_t, dt_timestamp_extract(unit, x, &result))
DT_EXTRACT_BOTH(timestamptz, int64_t, dt_timestamptz_extract(unit, x, zone, &result))
DT_EXTRACT_BOTH(interval, DtInterval, dt_interval_extract(unit, &x, &result))

#define DT_TRUNC(NAME, T, CALL)                                                            \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        const TzZone *zone = zone_of(ctx);                                                 \
        (void)zone;                                                                        \
        T *ov = (T *)out->data;                                                            \
        const T *values = (const T *)args[1]->data;                                        \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            char buffer[DT_UNIT_NAME_SIZE];                                                \
            const char *unit = kern_cstring(ctx, str_at(args[0], r), buffer, sizeof buffer); \
            if (unit == NULL) return kern_oom();                                           \
            T x = values[args[1]->is_constant ? 0 : r];                                    \
            TRY(CALL);                                                                     \
        });                                                                                \
        return NULL;                                                                       \
    }
DT_TRUNC(kern_date_trunc_timestamp, int64_t, dt_timestamp_trunc(unit, x, &ov[r]))
DT_TRUNC(kern_date_trunc_timestamptz, int64_t, dt_timestamptz_trunc(unit, x, zone, &ov[r]))
DT_TRUNC(kern_date_trunc_interval, DtInterval, dt_interval_trunc(unit, &x, &ov[r]))

/* timezone(zone, value): AT TIME ZONE; arg 0 the zone name (resolved per row). */
static Error *at_zone_row(KernCtx *ctx, const StrView *name, int64_t value, bool from_tz,
                          int64_t *value_out)
{
    char buffer[DT_UNIT_NAME_SIZE];
    const char *zone_name = kern_cstring(ctx, name, buffer, sizeof buffer);
    if (zone_name == NULL) return kern_oom();
    const TzZone *zone;
    TRY(dt_zone_resolve(zone_name, &zone));
    return from_tz ? dt_timestamptz_at_zone(value, zone, value_out)
                   : dt_timestamp_at_zone(value, zone, value_out);
}
DT_BINARY(kern_timezone_timestamptz, StrView, int64_t, int64_t,
          TRY(at_zone_row(ctx, &x, y, true, &ov[r]));)
DT_BINARY(kern_timezone_timestamp, StrView, int64_t, int64_t,
          TRY(at_zone_row(ctx, &x, y, false, &ov[r]));)
