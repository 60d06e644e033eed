/* common/datetime_fn.c: extract/date_part, date_trunc and make_* (see datetime.h).
 *
 * extract returns PostgreSQL 15's numeric as exact decimal text: integer fields print as
 * integers, seconds with exactly six decimals, milliseconds with three, and julian with the
 * scale PostgreSQL's numeric division picks (16 significant digits, at least). The double in
 * DtNumber is strtod of that text, i.e. the nearest double.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/datetime.h"
#include "common/datetime_int.h"

typedef enum Field {
    FIELD_UNKNOWN,
    FIELD_MICROSECONDS, FIELD_MILLISECONDS, FIELD_SECOND, FIELD_MINUTE, FIELD_HOUR, FIELD_DAY,
    FIELD_WEEK, FIELD_MONTH, FIELD_QUARTER, FIELD_YEAR, FIELD_DECADE, FIELD_CENTURY,
    FIELD_MILLENNIUM, FIELD_DOW, FIELD_ISODOW, FIELD_DOY, FIELD_ISOYEAR, FIELD_EPOCH,
    FIELD_JULIAN, FIELD_TIMEZONE, FIELD_TIMEZONE_HOUR, FIELD_TIMEZONE_MINUTE,
} Field;

typedef struct FieldName {
    const char *name;
    Field       field;
} FieldName;

/* Unit spellings; like PostgreSQL, only the first 10 characters are compared. */
static const FieldName field_names[] = {
    {"c", FIELD_CENTURY}, {"cent", FIELD_CENTURY}, {"centuries", FIELD_CENTURY},
    {"century", FIELD_CENTURY}, {"d", FIELD_DAY}, {"day", FIELD_DAY}, {"days", FIELD_DAY},
    {"dec", FIELD_DECADE}, {"decade", FIELD_DECADE}, {"decades", FIELD_DECADE},
    {"decs", FIELD_DECADE}, {"dow", FIELD_DOW}, {"doy", FIELD_DOY}, {"epoch", FIELD_EPOCH},
    {"h", FIELD_HOUR}, {"hour", FIELD_HOUR}, {"hours", FIELD_HOUR}, {"hr", FIELD_HOUR},
    {"hrs", FIELD_HOUR}, {"isodow", FIELD_ISODOW}, {"isoyear", FIELD_ISOYEAR},
    {"j", FIELD_JULIAN}, {"jd", FIELD_JULIAN}, {"julian", FIELD_JULIAN}, {"m", FIELD_MINUTE},
    {"microsecon", FIELD_MICROSECONDS}, {"mil", FIELD_MILLENNIUM},
    {"millennia", FIELD_MILLENNIUM}, {"millennium", FIELD_MILLENNIUM},
    {"millisecon", FIELD_MILLISECONDS}, {"mils", FIELD_MILLENNIUM}, {"min", FIELD_MINUTE},
    {"mins", FIELD_MINUTE}, {"minute", FIELD_MINUTE}, {"minutes", FIELD_MINUTE},
    {"mon", FIELD_MONTH}, {"mons", FIELD_MONTH}, {"month", FIELD_MONTH},
    {"months", FIELD_MONTH}, {"ms", FIELD_MILLISECONDS}, {"msec", FIELD_MILLISECONDS},
    {"msecond", FIELD_MILLISECONDS}, {"mseconds", FIELD_MILLISECONDS},
    {"msecs", FIELD_MILLISECONDS}, {"qtr", FIELD_QUARTER}, {"quarter", FIELD_QUARTER},
    {"s", FIELD_SECOND}, {"sec", FIELD_SECOND}, {"second", FIELD_SECOND},
    {"seconds", FIELD_SECOND}, {"secs", FIELD_SECOND}, {"timezone", FIELD_TIMEZONE},
    {"timezone_h", FIELD_TIMEZONE_HOUR}, {"timezone_m", FIELD_TIMEZONE_MINUTE},
    {"us", FIELD_MICROSECONDS}, {"usec", FIELD_MICROSECONDS}, {"usecond", FIELD_MICROSECONDS},
    {"useconds", FIELD_MICROSECONDS}, {"usecs", FIELD_MICROSECONDS}, {"w", FIELD_WEEK},
    {"week", FIELD_WEEK}, {"weeks", FIELD_WEEK}, {"y", FIELD_YEAR}, {"year", FIELD_YEAR},
    {"years", FIELD_YEAR}, {"yr", FIELD_YEAR}, {"yrs", FIELD_YEAR},
};

enum { UNIT_SIZE_MAX = DT_UNIT_NAME_SIZE };

static Field lookup_field(const char *unit, char *lower);

void dt_unit_parse(const char *text, DtUnit *unit_out)
{
    unit_out->field = (int)lookup_field(text, unit_out->name);
}

static Field lookup_field(const char *unit, char *lower)
{
    size_t idx = 0;
    for (; unit[idx] != '\0' && idx + 1 < UNIT_SIZE_MAX; idx++) {
        lower[idx] = (char)tolower((unsigned char)unit[idx]);
    }
    lower[idx] = '\0';
    for (size_t name_idx = 0; name_idx < sizeof field_names / sizeof field_names[0]; name_idx++) {
        if (strncmp(field_names[name_idx].name, lower, 10) == 0) return field_names[name_idx].field;
    }
    return FIELD_UNKNOWN;
}

static Error *err_unit_unknown(const char *lower, const char *type_name)
{
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "unit \"%s\" not recognized for type %s",
                   lower, type_name);
}

static Error *err_unit_unsupported(const char *lower, const char *type_name)
{
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported for type %s",
                   lower, type_name);
}

/* ---- numeric results ---- */

static void number_int(DtNumber *result, int64_t value)
{
    result->is_null = false;
    snprintf(result->text, sizeof result->text, "%lld", (long long)value);
    result->value = (double)value;
}

/* value / 10^scale printed with exactly scale decimals. */
static void number_scaled(DtNumber *result, int64_t value, int scale)
{
    int64_t divisor = 1;
    for (int idx = 0; idx < scale; idx++) divisor *= 10;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    result->is_null = false;
    snprintf(result->text, sizeof result->text, "%s%llu.%0*llu", value < 0 ? "-" : "",
             (unsigned long long)(magnitude / (uint64_t)divisor), scale,
             (unsigned long long)(magnitude % (uint64_t)divisor));
    result->value = strtod(result->text, NULL);
}

static void number_infinite(DtNumber *result, bool negative)
{
    result->is_null = false;
    snprintf(result->text, sizeof result->text, "%s", negative ? "-Infinity" : "Infinity");
    result->value = negative ? -HUGE_VAL : HUGE_VAL;
}

static void number_null(DtNumber *result)
{
    *result = (DtNumber){.is_null = true};
}

/* whole + numer / 86400000000 with the scale PostgreSQL's numeric division chooses, rounded
 * half up (numer >= 0). */
static void number_julian(DtNumber *result, int64_t whole, int64_t numer)
{
    const int64_t denom = DT_USECS_PER_DAY;
    /* weight and first base-10000 digit of the numerator; the denominator's are 2 and 864 */
    int weight = 0;
    int64_t first = numer;
    while (first >= 10000) first /= 10000, weight++;
    int quotient_weight = weight - 2 - (first <= 864 ? 1 : 0);
    int scale = 16 - quotient_weight * 4;
    if (scale < 0) scale = 0;
    char digits[64];   /* a scale never passes a few dozen digits; bounded so the text fits */
    int64_t remainder = numer % denom;
    int64_t int_part = numer / denom;
    int length = 0;
    for (int idx = 0; idx < scale && length + 2 < (int)sizeof digits; idx++) {
        remainder *= 10;
        digits[length++] = (char)('0' + remainder / denom);
        remainder %= denom;
    }
    /* round half up on the next digit */
    if (remainder * 10 / denom >= 5) {
        int idx = length - 1;
        for (; idx >= 0; idx--) {
            if (digits[idx] == '9') {
                digits[idx] = '0';
            } else {
                digits[idx]++;
                break;
            }
        }
        if (idx < 0) int_part++;
    }
    digits[length] = '\0';
    result->is_null = false;
    snprintf(result->text, sizeof result->text, "%lld%s%s", (long long)(whole + int_part),
             length > 0 ? "." : "", digits);
    result->value = strtod(result->text, NULL);
}

/* ---- calendar fields ---- */

static int weekday_of(int64_t days)
{
    return (int)(((days % 7) + 7 + 6) % 7); /* 0 = Sunday; 2000-01-01 was a Saturday */
}

static int iso_weekday_of(int64_t days)
{
    int weekday = weekday_of(days);
    return weekday == 0 ? 7 : weekday;
}

/* ISO 8601 week number and week-numbering year of a date. */
static void iso_week(int64_t days, int *week_out, int *iso_year_out)
{
    int64_t thursday = days + (4 - iso_weekday_of(days));
    int year;
    int month;
    int day;
    dt_civil_from_days(thursday, &year, &month, &day);
    int64_t first = dt_days_from_civil(year, 1, 1);
    *week_out = (int)((thursday - first) / 7 + 1);
    *iso_year_out = year;
}

static int64_t decade_of(int year)
{
    return year >= 0 ? year / 10 : -((8 - (year - 1)) / 10);
}

static int64_t century_of(int year)
{
    return year > 0 ? (year + 99) / 100 : -((99 - (year - 1)) / 100);
}

static int64_t millennium_of(int year)
{
    return year > 0 ? (year + 999) / 1000 : -((999 - (year - 1)) / 1000);
}

/* Fields that keep growing with time give +-Infinity for infinite inputs; others NULL. */
static bool is_monotonic(Field field)
{
    return field == FIELD_YEAR || field == FIELD_DECADE || field == FIELD_CENTURY ||
           field == FIELD_MILLENNIUM || field == FIELD_JULIAN || field == FIELD_ISOYEAR ||
           field == FIELD_EPOCH;
}

/* Date-level fields shared by date, timestamp and timestamptz. true when handled. */
static bool date_field(Field field, int64_t days, const DtTm *tm, DtNumber *result)
{
    int week;
    int iso_year;
    switch (field) {
    case FIELD_DAY: number_int(result, tm->day); return true;
    case FIELD_MONTH: number_int(result, tm->month); return true;
    case FIELD_QUARTER: number_int(result, (tm->month - 1) / 3 + 1); return true;
    case FIELD_WEEK:
        iso_week(days, &week, &iso_year);
        number_int(result, week);
        return true;
    case FIELD_YEAR: number_int(result, tm->year > 0 ? tm->year : tm->year - 1); return true;
    case FIELD_DECADE: number_int(result, decade_of(tm->year)); return true;
    case FIELD_CENTURY: number_int(result, century_of(tm->year)); return true;
    case FIELD_MILLENNIUM: number_int(result, millennium_of(tm->year)); return true;
    case FIELD_ISOYEAR:
        iso_week(days, &week, &iso_year);
        number_int(result, iso_year > 0 ? iso_year : iso_year - 1);
        return true;
    case FIELD_DOW: number_int(result, weekday_of(days)); return true;
    case FIELD_ISODOW: number_int(result, iso_weekday_of(days)); return true;
    case FIELD_DOY:
        number_int(result, days - dt_days_from_civil(tm->year, 1, 1) + 1);
        return true;
    default: return false;
    }
}

Error *dt_date_extract_unit(const DtUnit *unit, DtDate value, DtNumber *result)
{
    const char *lower = unit->name;
    Field field = (Field)unit->field;
    if (field == FIELD_UNKNOWN) return err_unit_unknown(lower, "date");
    bool date_level = field == FIELD_DAY || field == FIELD_MONTH || field == FIELD_QUARTER ||
                      field == FIELD_WEEK || field == FIELD_DOW || field == FIELD_ISODOW ||
                      field == FIELD_DOY || is_monotonic(field);
    if (!date_level) return err_unit_unsupported(lower, "date");
    if (!dt_date_is_finite(value)) {
        if (is_monotonic(field)) number_infinite(result, value == DT_DATE_NOBEGIN);
        else number_null(result);
        return NULL;
    }
    DtTm tm = {0};
    dt_civil_from_days(value, &tm.year, &tm.month, &tm.day);
    if (field == FIELD_JULIAN) number_int(result, (int64_t)value + DT_EPOCH_JULIAN);
    else if (field == FIELD_EPOCH) number_int(result, ((int64_t)value + 10957) * DT_SECS_PER_DAY);
    else date_field(field, value, &tm, result);
    return NULL;
}

static Error *time_fields(Field field, int64_t time, const char *lower, const char *type_name,
                          DtNumber *result)
{
    int64_t second_usecs = time % DT_USECS_PER_MINUTE;
    switch (field) {
    case FIELD_MICROSECONDS: number_int(result, second_usecs); return NULL;
    case FIELD_MILLISECONDS: number_scaled(result, second_usecs, 3); return NULL;
    case FIELD_SECOND: number_scaled(result, second_usecs, 6); return NULL;
    case FIELD_MINUTE: number_int(result, time / DT_USECS_PER_MINUTE % 60); return NULL;
    case FIELD_HOUR: number_int(result, time / DT_USECS_PER_HOUR); return NULL;
    default: return err_unit_unsupported(lower, type_name);
    }
}

Error *dt_time_extract_unit(const DtUnit *unit, DtTime value, DtNumber *result)
{
    const char *type_name = "time without time zone";
    const char *lower = unit->name;
    Field field = (Field)unit->field;
    if (field == FIELD_UNKNOWN) return err_unit_unknown(lower, type_name);
    if (field == FIELD_EPOCH) {
        number_scaled(result, value, 6);
        return NULL;
    }
    return time_fields(field, value, lower, type_name, result);
}

static Error *timestamp_extract(const DtUnit *unit, DtTimestamp value, bool with_zone,
                                const TzZone *zone, DtNumber *result)
{
    const char *type_name = with_zone ? "timestamp with time zone" : "timestamp without time zone";
    const char *lower = unit->name;
    Field field = (Field)unit->field;
    if (field == FIELD_UNKNOWN) return err_unit_unknown(lower, type_name);
    if (!dt_timestamp_is_finite(value)) {
        if (is_monotonic(field)) number_infinite(result, value == DT_TIMESTAMP_NOBEGIN);
        else number_null(result);
        return NULL;
    }
    int32_t offset = with_zone ? dt_zone_offset_at(zone, value, NULL) : 0;
    DtTimestamp local = value + (int64_t)offset * DT_USECS_PER_SEC;
    DtTm tm;
    dt_timestamp_to_tm(local, &tm);
    int64_t days = dt_floor_div(local, DT_USECS_PER_DAY);
    int64_t time = local - days * DT_USECS_PER_DAY;
    if (date_field(field, days, &tm, result)) return NULL;
    switch (field) {
    case FIELD_JULIAN:
        number_julian(result, days + DT_EPOCH_JULIAN, time);
        return NULL;
    case FIELD_EPOCH:
        /* timestamp: its own wall clock as if UTC; timestamptz: the instant */
        number_scaled(result, value + DT_UNIX_EPOCH_OFFSET_USECS, 6);
        return NULL;
    case FIELD_TIMEZONE:
    case FIELD_TIMEZONE_HOUR:
    case FIELD_TIMEZONE_MINUTE:
        if (!with_zone) return err_unit_unsupported(lower, type_name);
        if (field == FIELD_TIMEZONE) number_int(result, offset);
        else if (field == FIELD_TIMEZONE_HOUR) number_int(result, offset / 3600);
        else number_int(result, offset / 60 % 60);
        return NULL;
    default:
        return time_fields(field, time, lower, type_name, result);
    }
}

Error *dt_timestamp_extract_unit(const DtUnit *unit, DtTimestamp value, DtNumber *result)
{
    return timestamp_extract(unit, value, false, NULL, result);
}

Error *dt_timestamptz_extract_unit(const DtUnit *unit, DtTimestamp value, const TzZone *zone,
                              DtNumber *result)
{
    return timestamp_extract(unit, value, true, zone, result);
}

Error *dt_interval_extract_unit(const DtUnit *unit, const DtInterval *value, DtNumber *result)
{
    const char *lower = unit->name;
    Field field = (Field)unit->field;
    if (field == FIELD_UNKNOWN) return err_unit_unknown(lower, "interval");
    int years = value->month / 12;
    int months = value->month % 12;
    int64_t second_usecs = value->time % DT_USECS_PER_MINUTE;
    switch (field) {
    case FIELD_MICROSECONDS: number_int(result, second_usecs); return NULL;
    case FIELD_MILLISECONDS: number_scaled(result, second_usecs, 3); return NULL;
    case FIELD_SECOND: number_scaled(result, second_usecs, 6); return NULL;
    case FIELD_MINUTE: number_int(result, value->time / DT_USECS_PER_MINUTE % 60); return NULL;
    case FIELD_HOUR: number_int(result, value->time / DT_USECS_PER_HOUR); return NULL;
    case FIELD_DAY: number_int(result, value->day); return NULL;
    case FIELD_MONTH: number_int(result, months); return NULL;
    case FIELD_QUARTER: number_int(result, months / 3 + 1); return NULL;
    case FIELD_YEAR: number_int(result, years); return NULL;
    case FIELD_DECADE: number_int(result, years / 10); return NULL;
    case FIELD_CENTURY: number_int(result, years / 100); return NULL;
    case FIELD_MILLENNIUM: number_int(result, years / 1000); return NULL;
    case FIELD_EPOCH: {
        /* 365.25-day years and 30-day months, as PostgreSQL */
        __extension__ __int128 secs = (__int128)years * 31557600 +
                                      ((__int128)months * 30 + value->day) * DT_SECS_PER_DAY;
        __extension__ __int128 usecs = secs * DT_USECS_PER_SEC + value->time;
        if (usecs > INT64_MAX || usecs < INT64_MIN) {
            /* beyond int64 microseconds: print through long double-free decimal split */
            __extension__ __int128 magnitude = usecs < 0 ? -usecs : usecs;
            result->is_null = false;
            snprintf(result->text, sizeof result->text, "%s%lld%06lld.%06lld", usecs < 0 ? "-" : "",
                     (long long)(magnitude / DT_USECS_PER_SEC / 1000000),
                     (long long)(magnitude / DT_USECS_PER_SEC % 1000000),
                     (long long)(magnitude % DT_USECS_PER_SEC));
            result->value = strtod(result->text, NULL);
        } else {
            number_scaled(result, (int64_t)usecs, 6);
        }
        return NULL;
    }
    default:
        return err_unit_unsupported(lower, "interval");
    }
}

/* ---- date_trunc ---- */

static bool truncate_tm(Field field, DtTm *tm, int64_t *days_io, bool *redo_zone_out)
{
    *redo_zone_out = false;
    int week;
    int iso_year;
    switch (field) {
    case FIELD_WEEK:
        iso_week(*days_io, &week, &iso_year);
        *days_io -= iso_weekday_of(*days_io) - 1;
        dt_civil_from_days(*days_io, &tm->year, &tm->month, &tm->day);
        tm->hour = tm->minute = tm->second = 0;
        tm->usec = 0;
        *redo_zone_out = true;
        return true;
    case FIELD_MILLENNIUM:
        tm->year = tm->year > 0 ? ((tm->year + 999) / 1000) * 1000 - 999
                                : -((999 - (tm->year - 1)) / 1000) * 1000 + 1;
        tm->month = 1, tm->day = 1;
        break;
    case FIELD_CENTURY:
        tm->year = tm->year > 0 ? ((tm->year + 99) / 100) * 100 - 99
                                : -((99 - (tm->year - 1)) / 100) * 100 + 1;
        tm->month = 1, tm->day = 1;
        break;
    case FIELD_DECADE:
        tm->year = tm->year > 0 ? (tm->year / 10) * 10 : -((8 - (tm->year - 1)) / 10) * 10;
        tm->month = 1, tm->day = 1;
        break;
    case FIELD_YEAR: tm->month = 1, tm->day = 1; break;
    case FIELD_QUARTER: tm->month = 3 * ((tm->month - 1) / 3) + 1, tm->day = 1; break;
    case FIELD_MONTH: tm->day = 1; break;
    case FIELD_DAY: break;
    case FIELD_HOUR: tm->minute = 0, tm->second = 0, tm->usec = 0; return true;
    case FIELD_MINUTE: tm->second = 0, tm->usec = 0; return true;
    case FIELD_SECOND: tm->usec = 0; return true;
    case FIELD_MILLISECONDS: tm->usec = tm->usec / 1000 * 1000; return true;
    case FIELD_MICROSECONDS: return true;
    default: return false;
    }
    tm->hour = tm->minute = tm->second = 0;
    tm->usec = 0;
    *redo_zone_out = true;
    return true;
}

/* date_trunc knows only the interval unit words; dow, doy, epoch, ... are not recognized. */
static Field trunc_field(Field field)
{
    if (field == FIELD_DOW || field == FIELD_ISODOW || field == FIELD_DOY ||
        field == FIELD_ISOYEAR || field == FIELD_EPOCH || field == FIELD_JULIAN) {
        return FIELD_UNKNOWN;
    }
    return field;
}

static Error *timestamp_trunc(const DtUnit *unit, DtTimestamp value, bool with_zone,
                              const TzZone *zone, DtTimestamp *value_out)
{
    const char *type_name = with_zone ? "timestamp with time zone" : "timestamp without time zone";
    if (!dt_timestamp_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    const char *lower = unit->name;
    Field field = trunc_field((Field)unit->field);
    if (field == FIELD_UNKNOWN) return err_unit_unknown(lower, type_name);
    int32_t offset = with_zone ? dt_zone_offset_at(zone, value, NULL) : 0;
    DtTimestamp local = value + (int64_t)offset * DT_USECS_PER_SEC;
    DtTm tm;
    dt_timestamp_to_tm(local, &tm);
    int64_t days = dt_floor_div(local, DT_USECS_PER_DAY);
    bool redo_zone;
    if (!truncate_tm(field, &tm, &days, &redo_zone)) return err_unit_unsupported(lower, type_name);
    if (!dt_tm_to_timestamp(&tm, &local)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    }
    if (with_zone) {
        if (redo_zone) offset = dt_zone_local_offset(zone, local);
        local -= (int64_t)offset * DT_USECS_PER_SEC;
        if (!dt_timestamp_in_range(local)) {
            return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range");
        }
    }
    *value_out = local;
    return NULL;
}

Error *dt_timestamp_trunc_unit(const DtUnit *unit, DtTimestamp value, DtTimestamp *value_out)
{
    return timestamp_trunc(unit, value, false, NULL, value_out);
}

Error *dt_timestamptz_trunc_unit(const DtUnit *unit, DtTimestamp value, const TzZone *zone,
                            DtTimestamp *value_out)
{
    return timestamp_trunc(unit, value, true, zone, value_out);
}

Error *dt_interval_trunc_unit(const DtUnit *unit, const DtInterval *value, DtInterval *value_out)
{
    const char *lower = unit->name;
    Field field = trunc_field((Field)unit->field);
    if (field == FIELD_UNKNOWN) return err_unit_unknown(lower, "interval");
    int32_t years = value->month / 12;
    int32_t months = value->month % 12;
    int32_t days = value->day;
    int64_t hours = value->time / DT_USECS_PER_HOUR;
    int64_t rest = value->time % DT_USECS_PER_HOUR;
    int64_t minutes = rest / DT_USECS_PER_MINUTE;
    int64_t usecs = rest % DT_USECS_PER_MINUTE; /* seconds and microseconds */
    switch (field) {
    case FIELD_MILLENNIUM:
        years = years / 1000 * 1000;
        months = 0;
        days = 0;
        hours = minutes = usecs = 0;
        break;
    case FIELD_CENTURY:
        years = years / 100 * 100;
        months = 0;
        days = 0;
        hours = minutes = usecs = 0;
        break;
    case FIELD_DECADE:
        years = years / 10 * 10;
        months = 0;
        days = 0;
        hours = minutes = usecs = 0;
        break;
    case FIELD_YEAR: months = 0; days = 0; hours = minutes = usecs = 0; break;
    case FIELD_QUARTER: months = 3 * (months / 3); days = 0; hours = minutes = usecs = 0; break;
    case FIELD_MONTH: days = 0; hours = minutes = usecs = 0; break;
    case FIELD_DAY: hours = minutes = usecs = 0; break;
    case FIELD_HOUR: minutes = usecs = 0; break;
    case FIELD_MINUTE: usecs = 0; break;
    case FIELD_SECOND: usecs = usecs / DT_USECS_PER_SEC * DT_USECS_PER_SEC; break;
    case FIELD_MILLISECONDS: usecs = usecs / 1000 * 1000; break;
    case FIELD_MICROSECONDS: break;
    default: {
        Error *err = err_unit_unsupported(lower, "interval");
        if (field == FIELD_WEEK) err_set_detail(err, "Months usually have fractional weeks.");
        return err;
    }
    }
    value_out->month = years * 12 + months;
    value_out->day = days;
    value_out->time = hours * DT_USECS_PER_HOUR + minutes * DT_USECS_PER_MINUTE + usecs;
    return NULL;
}

/* ---- make_* ---- */

static Error *make_days(int year, int month, int day, int64_t *days_out)
{
    int astro_year = year < 0 ? year + 1 : year;
    if (year == 0 || month < 1 || month > 12 || day < 1 || day > 31 ||
        day > dt_month_length(astro_year, month)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW,
                       "date field value out of range: %d-%02d-%02d", year, month, day);
    }
    int64_t days = dt_days_from_civil(astro_year, month, day);
    if (!dt_date_in_range(days)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range: %d-%02d-%02d",
                       astro_year, month, day); /* PostgreSQL prints the internal year here */
    }
    *days_out = days;
    return NULL;
}

Error *dt_make_date(int year, int month, int day, DtDate *value_out)
{
    int64_t days = 0;
    TRY(make_days(year, month, day, &days));
    *value_out = (DtDate)days;
    return NULL;
}

static bool time_overflows(int hour, int minute, double second)
{
    if (hour < 0 || minute < 0 || minute >= 60 || hour > 24) return true;
    if (!(second >= 0.0 && second <= 60.0)) return true;
    double usecs = rint(second * 1000000.0);
    if (hour == 24 && (minute > 0 || usecs > 0)) return true;
    return ((int64_t)hour * 60 + minute) * DT_USECS_PER_MINUTE + (int64_t)usecs > DT_USECS_PER_DAY;
}

Error *dt_make_time(int hour, int minute, double second, DtTime *value_out)
{
    if (time_overflows(hour, minute, second)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW,
                       "time field value out of range: %d:%02d:%02g", hour, minute, second);
    }
    *value_out = ((int64_t)hour * 60 + minute) * DT_USECS_PER_MINUTE +
                 (int64_t)rint(second * 1000000.0);
    return NULL;
}

Error *dt_make_timestamp(int year, int month, int day, int hour, int minute, double second,
                         DtTimestamp *value_out)
{
    int64_t days = 0;
    TRY(make_days(year, month, day, &days));
    DtTime time;
    TRY(dt_make_time(hour, minute, second, &time));
    int64_t value = days * DT_USECS_PER_DAY + time;
    if (!dt_timestamp_in_range(value)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW,
                       "timestamp out of range: %d-%02d-%02d %d:%02d:%02g", year, month, day, hour,
                       minute, second);
    }
    *value_out = value;
    return NULL;
}

Error *dt_make_timestamptz(int year, int month, int day, int hour, int minute, double second,
                           const TzZone *zone, DtTimestamp *value_out)
{
    DtTimestamp local = 0;
    TRY(dt_make_timestamp(year, month, day, hour, minute, second, &local));
    return dt_timestamp_to_timestamptz(local, zone, value_out);
}

Error *dt_make_interval(int32_t years, int32_t months, int32_t weeks, int32_t days,
                        int32_t hours, int32_t mins, double secs, DtInterval *value_out)
{
    if (isinf(secs) || isnan(secs)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "interval out of range");
    }
    int32_t month_total;
    int32_t day_total;
    if (__builtin_mul_overflow(years, 12, &month_total) ||
        __builtin_add_overflow(month_total, months, &month_total) ||
        __builtin_mul_overflow(weeks, 7, &day_total) ||
        __builtin_add_overflow(day_total, days, &day_total)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "interval out of range");
    }
    double usecs = rint(secs * 1000000.0);
    int64_t time = (int64_t)hours * DT_USECS_PER_HOUR + (int64_t)mins * DT_USECS_PER_MINUTE;
    if (!(usecs > -9.2e18 && usecs < 9.2e18) ||
        __builtin_add_overflow(time, (int64_t)usecs, &time)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "interval out of range");
    }
    *value_out = (DtInterval){time, day_total, month_total};
    return NULL;
}

/* ---- string-unit forms: parse the unit, then as the _unit forms ---- */

Error *dt_date_extract(const char *unit, DtDate value, DtNumber *result)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_date_extract_unit(&parsed, value, result);
}

Error *dt_time_extract(const char *unit, DtTime value, DtNumber *result)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_time_extract_unit(&parsed, value, result);
}

Error *dt_timestamp_extract(const char *unit, DtTimestamp value, DtNumber *result)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_timestamp_extract_unit(&parsed, value, result);
}

Error *dt_timestamptz_extract(const char *unit, DtTimestamp value, const TzZone *zone,
                              DtNumber *result)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_timestamptz_extract_unit(&parsed, value, zone, result);
}

Error *dt_interval_extract(const char *unit, const DtInterval *value, DtNumber *result)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_interval_extract_unit(&parsed, value, result);
}

Error *dt_timestamp_trunc(const char *unit, DtTimestamp value, DtTimestamp *value_out)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_timestamp_trunc_unit(&parsed, value, value_out);
}

Error *dt_timestamptz_trunc(const char *unit, DtTimestamp value, const TzZone *zone,
                            DtTimestamp *value_out)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_timestamptz_trunc_unit(&parsed, value, zone, value_out);
}

Error *dt_interval_trunc(const char *unit, const DtInterval *value, DtInterval *value_out)
{
    DtUnit parsed;
    dt_unit_parse(unit, &parsed);
    return dt_interval_trunc_unit(&parsed, value, value_out);
}
