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
