/* common/datetime_int.h: helpers shared by datetime.c (values, output, arithmetic, functions)
 * and datetime_in.c (text input). For those two files and their tests only. */
#ifndef BIRCH_COMMON_DATETIME_INT_H
#define BIRCH_COMMON_DATETIME_INT_H

#include "common/datetime.h"

/* Broken-down time; year is astronomical (1 BC = 0). */
typedef struct DtTm {
    int     year;
    int     month;    /* 1..12 */
    int     day;      /* 1..31 */
    int     hour;
    int     minute;
    int     second;
    int32_t usec;
} DtTm;

#define DT_USECS_PER_SEC    INT64_C(1000000)
#define DT_USECS_PER_MINUTE INT64_C(60000000)
#define DT_USECS_PER_HOUR   INT64_C(3600000000)
#define DT_SECS_PER_DAY     86400
#define DT_DAYS_PER_MONTH   30
/* Julian day number of 2000-01-01, and PostgreSQL's date and timestamp ranges. */
#define DT_EPOCH_JULIAN     2451545
#define DT_DATE_MIN         (-2451545)            /* 4714-11-24 BC, Julian day 0 */
#define DT_DATE_END         (2147483494 - 2451545) /* 5874898-01-01, first invalid */
#define DT_TIMESTAMP_MIN    INT64_C(-211813488000000000)
#define DT_TIMESTAMP_END    INT64_C(9223371331200000000) /* 294277-01-01, first invalid */

int64_t dt_floor_div(int64_t num, int64_t den);
bool    dt_is_leap(int year);
int     dt_month_length(int year, int month);
/* days since 2000-01-01 of a civil date (any int year), and back. */
int64_t dt_days_from_civil(int year, int month, int day);
void    dt_civil_from_days(int64_t days, int *year_out, int *month_out, int *day_out);
bool    dt_date_in_range(int64_t days);
bool    dt_timestamp_in_range(int64_t value);
/* Finite timestamp -> fields (no zone). */
void    dt_timestamp_to_tm(DtTimestamp value, DtTm *tm);
/* Fields -> timestamp; false when outside the timestamp range. Fields need not be normalized
 * beyond what the arithmetic needs (hour 24, second 60 are fine). */
bool    dt_tm_to_timestamp(const DtTm *tm, DtTimestamp *value_out);
/* UTC timestamp -> offset (seconds east) in zone (NULL = UTC), optional abbreviation. */
int32_t dt_zone_offset_at(const TzZone *zone, DtTimestamp utc, const char **abbrev_out);
/* Local timestamp -> offset to subtract (PostgreSQL's gap/overlap rules). */
int32_t dt_zone_local_offset(const TzZone *zone, DtTimestamp local);
/* error constructors with PostgreSQL's messages */
Error  *dt_err_syntax(const char *type_name, const char *text);
Error  *dt_err_field(const char *text);

#endif
