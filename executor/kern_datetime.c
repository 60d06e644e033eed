/* executor/kern_datetime.c: date/time arithmetic operators over common/datetime.h. Strict;
 * the timestamptz forms work in the session zone (ctx->dt->zone, UTC when NULL). */
#include "executor/kern_array.h"   /* packed arguments */
#include "executor/kern_funcs.h"
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

/* ---- age, make_*, to_timestamp(float8), date + time (kern_funcs.h) ------------------------------ */

DT_BINARY(kern_age_timestamp, int64_t, int64_t, DtInterval, TRY(dt_timestamp_age(x, y, &ov[r]));)
DT_BINARY(kern_age_timestamptz, int64_t, int64_t, DtInterval,
          TRY(dt_timestamptz_age(x, y, zone, &ov[r]));)

/* midnight_today: the current date's midnight, as a timestamp (tz false: local wall clock) or a
 * timestamptz in the session zone (PostgreSQL's age(x) is age(current_date, x)). */
static Error *midnight_today(KernCtx *ctx, bool tz, DtTimestamp *value_out)
{
    DtTimestamp now = ctx->dt != NULL ? ctx->dt->now : 0;
    DtDate today;
    TRY(dt_timestamptz_to_date(now, zone_of(ctx), &today));
    return tz ? dt_date_to_timestamptz(today, zone_of(ctx), value_out)
              : dt_date_to_timestamp(today, value_out);
}

#define DT_AGE1(NAME, TZ, CALL)                                                            \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        DtInterval *ov = (DtInterval *)out->data;                                          \
        const TzZone *zone = zone_of(ctx);                                                 \
        (void)zone;                                                                        \
        DtTimestamp today;                                                                 \
        TRY(midnight_today(ctx, TZ, &today));                                              \
        UNARY_LOOP(int64_t, args[0], sel, count, {                                         \
            if (!row_valid(out, r)) continue;                                              \
            TRY(CALL);                                                                     \
        });                                                                                \
        return NULL;                                                                       \
    }
DT_AGE1(kern_age1_timestamp, false, dt_timestamp_age(today, x, &ov[r]))
DT_AGE1(kern_age1_timestamptz, true, dt_timestamptz_age(today, x, zone, &ov[r]))

static inline int32_t i32_at(const Vector *vec, uint32_t row_idx)
{
    return vec_i32(vec)[vec->is_constant ? 0 : row_idx];
}

static inline double f64_at(const Vector *vec, uint32_t row_idx)
{
    return vec_f64(vec)[vec->is_constant ? 0 : row_idx];
}

KERN_DECLARE(kern_make_date)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 3, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        TRY(dt_make_date(i32_at(args[0], r), i32_at(args[1], r), i32_at(args[2], r),
                         &vec_i32(out)[r]));
    });
    return NULL;
}

KERN_DECLARE(kern_make_time)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 3, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        TRY(dt_make_time(i32_at(args[0], r), i32_at(args[1], r), f64_at(args[2], r),
                         &vec_i64(out)[r]));
    });
    return NULL;
}

/* date + time -> timestamp (PostgreSQL's datetime_pl). */
DT_BINARY(kern_date_add_time, int32_t, int64_t, int64_t, DtTimestamp at;
          TRY(dt_date_to_timestamp(x, &at));
          if (!dt_timestamp_is_finite(at)) { ov[r] = at; continue; }
          if ((y > 0 && at > INT64_MAX - y)) {
              return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range");
          }
          ov[r] = at + y;)

/* packed_values: the float8[] argument of a "NAME packed" function: want elements, none NULL
 * (the binder packs only when no argument is NULL, or the call is folded to NULL). *null_out
 * when an element is NULL (the call is strict: the row is NULL). */
static Error *packed_values(const Vector *vec, uint32_t row_idx, double *values, int32_t want,
                            bool *null_out)
{
    ArrayView view;
    *null_out = false;
    TRY(kern_array_view(vec, vec->is_constant ? 0 : row_idx, &view));
    if (view.count != want || view.elem_oid != TYPE_FLOAT8) {
        return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "invalid packed arguments");
    }
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t size;
    for (int32_t idx = 0; idx < want && array_next(&iter, &data, &size); idx++) {
        if (data == NULL) {
            *null_out = true;
            return NULL;
        }
        uint64_t bits = 0;
        for (int32_t byte_idx = 0; byte_idx < 8; byte_idx++) bits = bits << 8 | data[byte_idx];
        memcpy(&values[idx], &bits, sizeof bits);
    }
    return NULL;
}

/* as_int32: an argument declared integer, passed as double (the binder cast it to int4 first). */
static int32_t as_int32(double value) { return (int32_t)value; }

#define DT_PACKED(NAME, WANT, T, ...)                                                      \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        const TzZone *zone = zone_of(ctx);                                                 \
        (void)zone;                                                                        \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            double v[WANT];                                                                \
            bool is_null = false;                                                          \
            TRY(packed_values(args[0], r, v, WANT, &is_null));                             \
            if (is_null) {                                                                 \
                TRY(vec_set_null(out, r));                                                 \
                continue;                                                                  \
            }                                                                              \
            __VA_ARGS__                                                                    \
        });                                                                                \
        return NULL;                                                                       \
    }
DT_PACKED(kern_make_timestamp_packed, 6, int64_t,
          TRY(dt_make_timestamp(as_int32(v[0]), as_int32(v[1]), as_int32(v[2]), as_int32(v[3]),
                                as_int32(v[4]), v[5], &ov[r]));)
DT_PACKED(kern_make_timestamptz_packed, 6, int64_t,
          TRY(dt_make_timestamptz(as_int32(v[0]), as_int32(v[1]), as_int32(v[2]), as_int32(v[3]),
                                  as_int32(v[4]), v[5], zone, &ov[r]));)
DT_PACKED(kern_make_interval_packed, 7, DtInterval,
          TRY(dt_make_interval(as_int32(v[0]), as_int32(v[1]), as_int32(v[2]), as_int32(v[3]),
                               as_int32(v[4]), as_int32(v[5]), v[6], &ov[r]));)

/* make_timestamptz(..., zone): arg 0 the wall-clock timestamp, arg 1 the zone text. */
static Error *at_zone_iso_row(KernCtx *ctx, int64_t value, const StrView *name, int64_t *value_out)
{
    char buffer[DT_UNIT_NAME_SIZE];
    const char *zone_name = kern_cstring(ctx, name, buffer, sizeof buffer);
    if (zone_name == NULL) return kern_oom();
    const TzZone *zone;
    TRY(dt_zone_resolve_iso(zone_name, &zone));
    return dt_timestamp_to_timestamptz(value, zone, value_out);
}
DT_BINARY(kern_make_timestamptz_zone, int64_t, StrView, int64_t,
          TRY(at_zone_iso_row(ctx, x, &y, &ov[r]));)

/* to_timestamp(float8): seconds since the Unix epoch, rounded to microseconds. */
static Error *to_timestamp_row(double seconds, int64_t *value_out)
{
    if (isnan(seconds)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp cannot be NaN");
    }
    if (isinf(seconds)) {
        *value_out = seconds > 0 ? DT_TIMESTAMP_NOEND : DT_TIMESTAMP_NOBEGIN;
        return NULL;
    }
    /* PostgreSQL's range: 4714-11-24 BC .. 294277-01-01 (microseconds since 2000) */
    double usecs = rint(seconds * 1000000.0) - (double)DT_UNIX_EPOCH_OFFSET_USECS;
    if (!(usecs >= -211813488000000000.0 && usecs < 9223371331200000000.0)) {
        char text[32];
        kern_float8_format(seconds, text);
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%s\"", text);
    }
    *value_out = (int64_t)usecs;
    return NULL;
}
KERN_DECLARE(kern_to_timestamp_f64)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 1, sel, count));
    int64_t *ov = vec_i64(out);
    UNARY_LOOP(double, args[0], sel, count, {
        if (!row_valid(out, r)) continue;
        TRY(to_timestamp_row(x, &ov[r]));
    });
    return NULL;
}

/* date_trunc(unit, timestamptz, zone): truncated in the named zone. */
static Error *trunc_zone_row(KernCtx *ctx, const StrView *unit_view, int64_t value,
                             const StrView *zone_view, int64_t *value_out)
{
    char unit_buffer[DT_UNIT_NAME_SIZE], zone_buffer[DT_UNIT_NAME_SIZE];
    const char *unit = kern_cstring(ctx, unit_view, unit_buffer, sizeof unit_buffer);
    const char *zone_name = kern_cstring(ctx, zone_view, zone_buffer, sizeof zone_buffer);
    if (unit == NULL || zone_name == NULL) return kern_oom();
    const TzZone *zone;
    TRY(dt_zone_resolve(zone_name, &zone));
    return dt_timestamptz_trunc(unit, value, zone, value_out);
}

KERN_DECLARE(kern_date_trunc_zone)
{
    TRY(kern_out_begin(out, args, 3, sel, count));
    const int64_t *values = vec_i64(args[1]);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        TRY(trunc_zone_row(ctx, str_at(args[0], r), values[args[1]->is_constant ? 0 : r],
                           str_at(args[2], r), &vec_i64(out)[r]));
    });
    return NULL;
}
