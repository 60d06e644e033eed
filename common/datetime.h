/* common/datetime.h: PostgreSQL 15 compatible DATE, TIME, TIMESTAMP, TIMESTAMPTZ and INTERVAL.
 *
 * Representations are PostgreSQL's own, so its binary wire format is a byte swap away:
 *   DtDate      int32 days since 2000-01-01 (INT32_MIN = -infinity, INT32_MAX = infinity)
 *   DtTime      int64 microseconds since midnight, 0 .. 86400000000 inclusive
 *   DtTimestamp int64 microseconds since 2000-01-01 00:00:00 (local for TIMESTAMP, UTC for
 *               TIMESTAMPTZ; INT64_MIN = -infinity, INT64_MAX = infinity)
 *   DtInterval  {int64 microseconds, int32 days, int32 months}
 * Text input accepts PostgreSQL's formats (ISO 8601, 'Feb 29 2024', '02/29/2024' per DateOrder,
 * BC, Julian 'J2451545', 'epoch', 'infinity', 'now', 'today', ..., time zone suffixes, named
 * zones and abbreviations); output follows DateStyle and IntervalStyle. Errors carry
 * PostgreSQL's SQLSTATEs and messages. Calendar is the proleptic Gregorian one, as PostgreSQL.
 * Everything here is pure computation on the caller's values; only tz_load reads files. */
#ifndef BIRCH_COMMON_DATETIME_H
#define BIRCH_COMMON_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/tz.h"

typedef int32_t DtDate;
typedef int64_t DtTime;
typedef int64_t DtTimestamp;
typedef struct DtInterval {
    int64_t time;   /* microseconds */
    int32_t day;
    int32_t month;
} DtInterval;

#define DT_DATE_NOBEGIN      ((DtDate)INT32_MIN)
#define DT_DATE_NOEND        ((DtDate)INT32_MAX)
#define DT_TIMESTAMP_NOBEGIN ((DtTimestamp)INT64_MIN)
#define DT_TIMESTAMP_NOEND   ((DtTimestamp)INT64_MAX)
#define DT_USECS_PER_DAY     INT64_C(86400000000)
/* microseconds from 1970-01-01 (Unix epoch) to 2000-01-01 (PostgreSQL epoch) */
#define DT_UNIX_EPOCH_OFFSET_USECS INT64_C(946684800000000)

enum {
    DT_TEXT_SIZE_MAX = 128,     /* every dt_*_out output fits, NUL included */
    DT_PRECISION_MAX = 6,       /* fractional second digits */
};

typedef enum DtDateStyle {
    DT_DATESTYLE_ISO = 0,       /* 2024-02-29 13:45:00+00 */
    DT_DATESTYLE_SQL,           /* 02/29/2024 13:45:00 UTC */
    DT_DATESTYLE_POSTGRES,      /* Thu Feb 29 13:45:00 2024 UTC */
    DT_DATESTYLE_GERMAN,        /* 29.02.2024 13:45:00 UTC */
} DtDateStyle;

typedef enum DtDateOrder {
    DT_DATEORDER_MDY = 0,
    DT_DATEORDER_DMY,
    DT_DATEORDER_YMD,
} DtDateOrder;

typedef enum DtIntervalStyle {
    DT_INTERVALSTYLE_POSTGRES = 0,   /* 1 year 2 mons 3 days 04:05:06 */
    DT_INTERVALSTYLE_POSTGRES_VERBOSE, /* @ 1 year 2 mons 3 days 4 hours 5 mins 6 secs */
    DT_INTERVALSTYLE_SQL_STANDARD,   /* +1-2 +3 +4:05:06 */
    DT_INTERVALSTYLE_ISO_8601,       /* P1Y2M3DT4H5M6S */
} DtIntervalStyle;

/* The session settings conversions depend on. Zero-initialized means UTC, ISO/MDY, postgres,
 * now = 2000-01-01 00:00:00 UTC. */
typedef struct DtSettings {
    const TzZone   *zone;        /* session TimeZone; NULL means UTC */
    DtTimestamp     now;         /* current transaction start, UTC; for 'now', 'today', ... */
    DtDateStyle     date_style;
    DtDateOrder     date_order;
    DtIntervalStyle interval_style;
} DtSettings;

/* A numeric result of extract(): PostgreSQL 15 returns numeric; text is its exact decimal form
 * ("45.123456", "Infinity"), value the nearest double (what date_part returns). is_null for
 * fields that are NULL for infinite inputs (extract(hour from 'infinity')). */
typedef struct DtNumber {
    bool   is_null;
    double value;
    char   text[DT_TEXT_SIZE_MAX];
} DtNumber;

/* ---- text input -----------------------------------------------------------------------------
 * dt_*_in: parse text as PostgreSQL's type input functions do. precision is the typmod's
 * fractional digits 0..6, or -1 for none (the value is rounded half away from zero).
 * Errors: INVALID_DATETIME_FORMAT `invalid input syntax for type date: "TEXT"`;
 *         DATETIME_FIELD_OVERFLOW `date/time field value out of range: "TEXT"`, `date out of
 *         range: "TEXT"`, `timestamp out of range: "TEXT"`, `interval field value out of
 *         range: "TEXT"`; INVALID_TIME_ZONE_DISPLACEMENT_VALUE `time zone displacement out of
 *         range: "TEXT"`; INVALID_PARAMETER_VALUE `time zone "NAME" not recognized`. */
Error *dt_date_in(const char *text, const DtSettings *settings, DtDate *value_out);
Error *dt_time_in(const char *text, const DtSettings *settings, int precision,
                  DtTime *value_out);
Error *dt_timestamp_in(const char *text, const DtSettings *settings, int precision,
                       DtTimestamp *value_out);
Error *dt_timestamptz_in(const char *text, const DtSettings *settings, int precision,
                         DtTimestamp *value_out);
Error *dt_interval_in(const char *text, const DtSettings *settings, int precision,
                      DtInterval *value_out);

/* Interval field restrictions (INTERVAL YEAR TO MONTH, ...): PostgreSQL's typmod bits, so
 * (range << 16) | precision is PostgreSQL's atttypmod for interval. A range is the OR of the
 * named fields (DAY TO SECOND = DAY|HOUR|MINUTE|SECOND); DT_INTERVAL_RANGE_FULL = none. */
enum {
    DT_INTERVAL_MASK_MONTH = 1 << 1,
    DT_INTERVAL_MASK_YEAR = 1 << 2,
    DT_INTERVAL_MASK_DAY = 1 << 3,
    DT_INTERVAL_MASK_HOUR = 1 << 10,
    DT_INTERVAL_MASK_MINUTE = 1 << 11,
    DT_INTERVAL_MASK_SECOND = 1 << 12,
    DT_INTERVAL_RANGE_FULL = 0x7FFF,
};
/* dt_interval_in_range: interval input under a field restriction: a bare rightmost number is
 * in the restriction's last field ('10'::interval minute = 10 minutes), MINUTE TO SECOND reads
 * "mm:ss", and the result is truncated to the restriction (dt_interval_apply_typmod). */
Error *dt_interval_in_range(const char *text, const DtSettings *settings, int range,
                            int precision, DtInterval *value_out);
/* dt_interval_apply_typmod: the cast to interval(range, precision): fields below the range's
 * last field are dropped (YEAR keeps whole years), then seconds rounded to precision. */
Error *dt_interval_apply_typmod(const DtInterval *value, int range, int precision,
                                DtInterval *value_out);

/* ---- text output ----------------------------------------------------------------------------
 * dt_*_out: write the value's text (DateStyle/IntervalStyle and, for timestamptz, the session
 * zone from settings) into buf, which holds DT_TEXT_SIZE_MAX bytes. Returns the length. */
size_t dt_date_out(DtDate value, const DtSettings *settings, char *buf);
size_t dt_time_out(DtTime value, char *buf);
size_t dt_timestamp_out(DtTimestamp value, const DtSettings *settings, char *buf);
size_t dt_timestamptz_out(DtTimestamp value, const DtSettings *settings, char *buf);
size_t dt_interval_out(const DtInterval *value, const DtSettings *settings, char *buf);

/* ---- precision (typmod) ---------------------------------------------------------------------
 * Round to precision fractional digits (0..6; -1 or 6 = unchanged), half away from zero, as
 * timestamp(p), time(p) and interval(p) do. Errors: DATETIME_FIELD_OVERFLOW "timestamp out of
 * range" / "interval out of range". */
Error *dt_timestamp_round(DtTimestamp value, int precision, DtTimestamp *value_out);
DtTime dt_time_round(DtTime value, int precision);
Error *dt_interval_round(const DtInterval *value, int precision, DtInterval *value_out);

/* ---- calendar helpers -----------------------------------------------------------------------
 * dt_date_from_ymd: year is astronomical (1 BC = 0). Errors: DATETIME_FIELD_OVERFLOW
 * "date out of range" when outside PostgreSQL's date range. Pre: month 1..12, day valid. */
Error *dt_date_from_ymd(int year, int month, int day, DtDate *value_out);
/* dt_date_to_ymd: the civil date of a finite date (astronomical year). */
void   dt_date_to_ymd(DtDate value, int *year_out, int *month_out, int *day_out);
bool   dt_date_is_finite(DtDate value);
bool   dt_timestamp_is_finite(DtTimestamp value);

/* ---- conversions (SQL casts). zone NULL means UTC. Errors: DATETIME_FIELD_OVERFLOW
 * "date out of range for timestamp", "timestamp out of range". ---- */
Error *dt_date_to_timestamp(DtDate value, DtTimestamp *value_out);
Error *dt_date_to_timestamptz(DtDate value, const TzZone *zone, DtTimestamp *value_out);
Error *dt_timestamp_to_date(DtTimestamp value, DtDate *value_out);
Error *dt_timestamptz_to_date(DtTimestamp value, const TzZone *zone, DtDate *value_out);
Error *dt_timestamp_to_timestamptz(DtTimestamp value, const TzZone *zone,
                                   DtTimestamp *value_out);
Error *dt_timestamptz_to_timestamp(DtTimestamp value, const TzZone *zone,
                                   DtTimestamp *value_out);
/* dt_timestamp_to_time: time of day; false for an infinite input (the cast yields NULL, as in
 * PostgreSQL), and then *value_out is untouched. */
bool   dt_timestamp_to_time(DtTimestamp value, DtTime *value_out);
bool   dt_timestamptz_to_time(DtTimestamp value, const TzZone *zone, DtTime *value_out);
/* dt_zone_resolve: the zone for AT TIME ZONE / timezone(text, ...): a fixed-offset abbreviation
 * ("EST", "UTC") first, else tz_load. Errors: INVALID_PARAMETER_VALUE `time zone "NAME" not
 * recognized`. */
Error *dt_zone_resolve(const char *name, const TzZone **zone_out);
/* dt_zone_resolve_iso: the zone argument of make_timestamptz: a leading sign makes an ISO 8601
 * offset EAST of UTC ("+05:30"), else as dt_zone_resolve. Errors: INVALID_PARAMETER_VALUE
 * `numeric time zone "+16" out of range`, `invalid input syntax for type numeric time zone`. */
Error *dt_zone_resolve_iso(const char *name, const TzZone **zone_out);
/* dt_timestamp_at_zone: timestamp AT TIME ZONE zone -> timestamptz (local time in zone). */
Error *dt_timestamp_at_zone(DtTimestamp value, const TzZone *zone, DtTimestamp *value_out);
/* dt_timestamptz_at_zone: timestamptz AT TIME ZONE zone -> timestamp (wall clock in zone). */
Error *dt_timestamptz_at_zone(DtTimestamp value, const TzZone *zone, DtTimestamp *value_out);

/* ---- arithmetic ---------------------------------------------------------------------------
 * Errors: DATETIME_FIELD_OVERFLOW "date out of range", "timestamp out of range", "interval out
 * of range", "cannot subtract infinite dates", "cannot subtract infinite timestamps";
 * DIVISION_BY_ZERO "division by zero"; NUMERIC_VALUE_OUT_OF_RANGE for NaN factors. */
Error *dt_date_add_days(DtDate value, int32_t days, DtDate *value_out);      /* date + int */
Error *dt_date_sub_days(DtDate value, int32_t days, DtDate *value_out);      /* date - int */
Error *dt_date_diff(DtDate left, DtDate right, int32_t *days_out);           /* date - date */
/* timestamp +/- interval: months first (day of month clamped to the month's end), then days,
 * then microseconds. The tz variants add months and days in zone's local time. */
Error *dt_timestamp_add_interval(DtTimestamp value, const DtInterval *span,
                                 DtTimestamp *value_out);
Error *dt_timestamp_sub_interval(DtTimestamp value, const DtInterval *span,
                                 DtTimestamp *value_out);
Error *dt_timestamptz_add_interval(DtTimestamp value, const DtInterval *span,
                                   const TzZone *zone, DtTimestamp *value_out);
Error *dt_timestamptz_sub_interval(DtTimestamp value, const DtInterval *span,
                                   const TzZone *zone, DtTimestamp *value_out);
/* timestamp - timestamp (also timestamptz): justify_hours of the microsecond difference. */
Error *dt_timestamp_diff(DtTimestamp left, DtTimestamp right, DtInterval *value_out);
/* time +/- interval wraps around midnight; time - time is an interval of microseconds. */
DtTime dt_time_add_interval(DtTime value, const DtInterval *span);
Error *dt_interval_add(const DtInterval *left, const DtInterval *right, DtInterval *value_out);
Error *dt_interval_sub(const DtInterval *left, const DtInterval *right, DtInterval *value_out);
Error *dt_interval_negate(const DtInterval *value, DtInterval *value_out);
Error *dt_interval_mul(const DtInterval *value, double factor, DtInterval *value_out);
Error *dt_interval_div(const DtInterval *value, double factor, DtInterval *value_out);
/* dt_interval_cmp: <0, 0, >0 comparing as months of 30 days and days of 24 hours. */
int    dt_interval_cmp(const DtInterval *left, const DtInterval *right);
Error *dt_interval_justify_days(const DtInterval *value, DtInterval *value_out);
Error *dt_interval_justify_hours(const DtInterval *value, DtInterval *value_out);
Error *dt_interval_justify_interval(const DtInterval *value, DtInterval *value_out);
/* age(left, right): symbolic years/months/days difference; the tz variant in zone. */
Error *dt_timestamp_age(DtTimestamp left, DtTimestamp right, DtInterval *value_out);
Error *dt_timestamptz_age(DtTimestamp left, DtTimestamp right, const TzZone *zone,
                          DtInterval *value_out);

/* ---- functions ----------------------------------------------------------------------------
 * dt_*_extract: extract(unit FROM value) as PostgreSQL 15 (numeric) and date_part (double =
 * result->value). unit is case-insensitive ("year", "epoch", "dow", ...; plural and short
 * forms as PostgreSQL). Errors: INVALID_PARAMETER_VALUE `unit "x" not recognized for type
 * timestamp without time zone`; FEATURE_NOT_SUPPORTED `unit "x" not supported for type date`. */
Error *dt_date_extract(const char *unit, DtDate value, DtNumber *result);
Error *dt_time_extract(const char *unit, DtTime value, DtNumber *result);
Error *dt_timestamp_extract(const char *unit, DtTimestamp value, DtNumber *result);
Error *dt_timestamptz_extract(const char *unit, DtTimestamp value, const TzZone *zone,
                              DtNumber *result);
Error *dt_interval_extract(const char *unit, const DtInterval *value, DtNumber *result);
/* dt_*_trunc: date_trunc(unit, value [, zone]). Same unit errors as extract; an infinite
 * timestamp is returned as is before the unit is checked, as PostgreSQL does. */
Error *dt_timestamp_trunc(const char *unit, DtTimestamp value, DtTimestamp *value_out);
Error *dt_timestamptz_trunc(const char *unit, DtTimestamp value, const TzZone *zone,
                            DtTimestamp *value_out);
Error *dt_interval_trunc(const char *unit, const DtInterval *value, DtInterval *value_out);
/* A unit parsed once (at bind time) for the per-row _unit forms below, which behave exactly as
 * the string forms. dt_unit_parse never fails: an unknown unit errors when used. */
enum { DT_UNIT_NAME_SIZE = 64 };
typedef struct DtUnit {
    int  field;                     /* private */
    char name[DT_UNIT_NAME_SIZE];   /* lower-cased, as error messages quote it */
} DtUnit;
void   dt_unit_parse(const char *text, DtUnit *unit_out);
Error *dt_date_extract_unit(const DtUnit *unit, DtDate value, DtNumber *result);
Error *dt_time_extract_unit(const DtUnit *unit, DtTime value, DtNumber *result);
Error *dt_timestamp_extract_unit(const DtUnit *unit, DtTimestamp value, DtNumber *result);
Error *dt_timestamptz_extract_unit(const DtUnit *unit, DtTimestamp value, const TzZone *zone,
                                   DtNumber *result);
Error *dt_interval_extract_unit(const DtUnit *unit, const DtInterval *value, DtNumber *result);
Error *dt_timestamp_trunc_unit(const DtUnit *unit, DtTimestamp value, DtTimestamp *value_out);
Error *dt_timestamptz_trunc_unit(const DtUnit *unit, DtTimestamp value, const TzZone *zone,
                                 DtTimestamp *value_out);
Error *dt_interval_trunc_unit(const DtUnit *unit, const DtInterval *value,
                              DtInterval *value_out);
/* make_date(y, m, d): negative years are BC. Errors: DATETIME_FIELD_OVERFLOW `date field value
 * out of range: Y-MM-DD`, `date out of range: ...`. */
Error *dt_make_date(int year, int month, int day, DtDate *value_out);
/* make_time(h, m, s) and make_timestamp(y, mo, d, h, mi, s): `time field value out of range`. */
Error *dt_make_time(int hour, int minute, double second, DtTime *value_out);
Error *dt_make_timestamp(int year, int month, int day, int hour, int minute, double second,
                         DtTimestamp *value_out);
/* make_timestamptz(..., zone): the local time in zone (NULL = UTC); resolve the zone text with
 * dt_zone_resolve_iso. */
Error *dt_make_timestamptz(int year, int month, int day, int hour, int minute, double second,
                           const TzZone *zone, DtTimestamp *value_out);
/* make_interval(years, months, weeks, days, hours, mins, secs). */
Error *dt_make_interval(int32_t years, int32_t months, int32_t weeks, int32_t days,
                        int32_t hours, int32_t mins, double secs, DtInterval *value_out);

/* dt_timestamp_to_char: to_char(timestamp [with time zone], format) into buf (buf_size bytes,
 * NUL included). Patterns: HH HH12 HH24 MI SS MS US FF1-FF6 SSSS SSSSS AM/PM A.M./P.M. (any
 * case) Y,YYY YYYY YYY YY Y IYYY IYY IY I BC/AD B.C./A.D. MONTH Month month MON Mon mon MM DAY
 * Day day DY Dy dy DDD IDDD DD D ID W WW IW CC J Q RM rm TZ tz TZH TZM OF, with the FM prefix
 * and TH/th suffix; "quoted text" is copied. with_zone uses settings->zone (TZ, OF, ...).
 * *is_null_out is true (buf untouched) for infinite values, as PostgreSQL returns NULL.
 * Errors: PROGRAM_LIMIT_EXCEEDED when the result does not fit in buf. */
Error *dt_timestamp_to_char(DtTimestamp value, bool with_zone, const DtSettings *settings,
                            const char *format, char *buf, size_t buf_size, bool *is_null_out);
/* dt_interval_to_char: to_char(interval, format); HH24 is the total hours, DD the days field.
 * Errors: INVALID_DATETIME_FORMAT "invalid format specification for an interval value" for
 * day names, ISO year and zone patterns; PROGRAM_LIMIT_EXCEEDED as above. */
Error *dt_interval_to_char(const DtInterval *value, const char *format, char *buf,
                           size_t buf_size);

#endif
