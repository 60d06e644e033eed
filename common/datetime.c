/* common/datetime.c: date/time values, output, conversions and arithmetic (see datetime.h).
 *
 * All values are integers (days, microseconds), as in PostgreSQL built with integer datetimes;
 * doubles appear only where PostgreSQL itself uses them (interval * float, make_time seconds).
 * The calendar math works on astronomical years through dt_days_from_civil, valid for every
 * int year, so BC dates and the far end of the range need no special cases. Text input lives
 * in datetime_in.c; extract/date_trunc/make_* in datetime_fn.c.
 */
#include "common/datetime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/datetime_int.h"

/* ---- calendar ---- */

int64_t dt_floor_div(int64_t num, int64_t den)
{
    int64_t quot = num / den;
    if ((num % den != 0) && ((num < 0) != (den < 0))) quot--;
    return quot;
}

bool dt_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int dt_month_length(int year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    ASSERT(month >= 1 && month <= 12);
    return month == 2 && dt_is_leap(year) ? 29 : lengths[month - 1];
}

int64_t dt_days_from_civil(int year, int month, int day)
{
    /* count from March so the leap day is the last day of the counted year */
    int64_t shifted_year = month <= 2 ? (int64_t)year - 1 : year;
    int64_t era = dt_floor_div(shifted_year, 400);
    int64_t year_of_era = shifted_year - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 730425; /* 0000-03-01 is 730425 days before 2000-01-01 */
}

void dt_civil_from_days(int64_t days, int *year_out, int *month_out, int *day_out)
{
    int64_t shifted = days + 730425;
    int64_t era = dt_floor_div(shifted, 146097);
    int64_t day_of_era = shifted - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_shifted = (5 * day_of_year + 2) / 153;
    int month = (int)(month_shifted < 10 ? month_shifted + 3 : month_shifted - 9);
    *day_out = (int)(day_of_year - (153 * month_shifted + 2) / 5 + 1);
    *month_out = month;
    *year_out = (int)(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
}

bool dt_date_in_range(int64_t days)
{
    return days >= DT_DATE_MIN && days < DT_DATE_END;
}

bool dt_timestamp_in_range(int64_t value)
{
    return value >= DT_TIMESTAMP_MIN && value < DT_TIMESTAMP_END;
}

bool dt_date_is_finite(DtDate value)
{
    return value != DT_DATE_NOBEGIN && value != DT_DATE_NOEND;
}

bool dt_timestamp_is_finite(DtTimestamp value)
{
    return value != DT_TIMESTAMP_NOBEGIN && value != DT_TIMESTAMP_NOEND;
}

void dt_timestamp_to_tm(DtTimestamp value, DtTm *tm)
{
    int64_t days = dt_floor_div(value, DT_USECS_PER_DAY);
    int64_t time = value - days * DT_USECS_PER_DAY;
    dt_civil_from_days(days, &tm->year, &tm->month, &tm->day);
    tm->hour = (int)(time / DT_USECS_PER_HOUR);
    tm->minute = (int)(time / DT_USECS_PER_MINUTE % 60);
    tm->second = (int)(time / DT_USECS_PER_SEC % 60);
    tm->usec = (int32_t)(time % DT_USECS_PER_SEC);
}

bool dt_tm_to_timestamp(const DtTm *tm, DtTimestamp *value_out)
{
    int64_t days = dt_days_from_civil(tm->year, tm->month, tm->day);
    if (days < DT_DATE_MIN - 1 || days > DT_DATE_END) return false;
    int64_t time = ((int64_t)tm->hour * 60 + tm->minute) * 60 * DT_USECS_PER_SEC +
                   (int64_t)tm->second * DT_USECS_PER_SEC + tm->usec;
    int64_t value;
    if (__builtin_mul_overflow(days, DT_USECS_PER_DAY, &value) ||
        __builtin_add_overflow(value, time, &value) || !dt_timestamp_in_range(value)) {
        return false;
    }
    *value_out = value;
    return true;
}

Error *dt_date_from_ymd(int year, int month, int day, DtDate *value_out)
{
    int64_t days = dt_days_from_civil(year, month, day);
    if (!dt_date_in_range(days)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range");
    }
    *value_out = (DtDate)days;
    return NULL;
}

void dt_date_to_ymd(DtDate value, int *year_out, int *month_out, int *day_out)
{
    dt_civil_from_days(value, year_out, month_out, day_out);
}

/* ---- zones ---- */

int32_t dt_zone_offset_at(const TzZone *zone, DtTimestamp utc, const char **abbrev_out)
{
    if (zone == NULL) zone = tz_utc();
    int64_t secs = dt_floor_div(utc, DT_USECS_PER_SEC) + DT_UNIX_EPOCH_OFFSET_USECS / 1000000;
    return tz_offset_at(zone, secs, NULL, abbrev_out);
}

int32_t dt_zone_local_offset(const TzZone *zone, DtTimestamp local)
{
    if (zone == NULL) zone = tz_utc();
    int64_t secs = dt_floor_div(local, DT_USECS_PER_SEC) + DT_UNIX_EPOCH_OFFSET_USECS / 1000000;
    return tz_local_offset(zone, secs, NULL);
}

Error *dt_err_syntax(const char *type_name, const char *text)
{
    return err_new(SQLSTATE_INVALID_DATETIME_FORMAT, "invalid input syntax for type %s: \"%s\"",
                   type_name, text);
}

Error *dt_err_field(const char *text)
{
    return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW,
                   "date/time field value out of range: \"%s\"", text);
}

static Error *err_timestamp_range(void)
{
    return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range");
}

static Error *err_interval_range(void)
{
    return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "interval out of range");
}

/* ---- output ---- */

static const char *const month_abbrevs[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const day_abbrevs[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* Seconds with up to six fraction digits, trailing zeros dropped; width 2 when fill. */
static size_t format_seconds(char *buf, int second, int32_t usec, bool fill)
{
    size_t length = (size_t)sprintf(buf, fill ? "%02d" : "%d", second);
    if (usec != 0) {
        length += (size_t)sprintf(buf + length, ".%06d", (int)usec);
        while (buf[length - 1] == '0') length--;
        buf[length] = '\0';
    }
    return length;
}

static int display_year(int year)
{
    return year > 0 ? year : 1 - year;
}

static size_t format_date_part(char *buf, const DtTm *tm, const DtSettings *settings)
{
    DtDateStyle style = settings != NULL ? settings->date_style : DT_DATESTYLE_ISO;
    DtDateOrder order = settings != NULL ? settings->date_order : DT_DATEORDER_MDY;
    int year = display_year(tm->year);
    switch (style) {
    case DT_DATESTYLE_SQL:
        if (order == DT_DATEORDER_DMY) {
            return (size_t)sprintf(buf, "%02d/%02d/%04d", tm->day, tm->month, year);
        }
        return (size_t)sprintf(buf, "%02d/%02d/%04d", tm->month, tm->day, year);
    case DT_DATESTYLE_GERMAN:
        return (size_t)sprintf(buf, "%02d.%02d.%04d", tm->day, tm->month, year);
    case DT_DATESTYLE_POSTGRES:
        if (order == DT_DATEORDER_DMY) {
            return (size_t)sprintf(buf, "%02d-%02d-%04d", tm->day, tm->month, year);
        }
        return (size_t)sprintf(buf, "%02d-%02d-%04d", tm->month, tm->day, year);
    default:
        return (size_t)sprintf(buf, "%04d-%02d-%02d", year, tm->month, tm->day);
    }
}

size_t dt_date_out(DtDate value, const DtSettings *settings, char *buf)
{
    if (value == DT_DATE_NOBEGIN) return (size_t)sprintf(buf, "-infinity");
    if (value == DT_DATE_NOEND) return (size_t)sprintf(buf, "infinity");
    DtTm tm = {0};
    dt_civil_from_days(value, &tm.year, &tm.month, &tm.day);
    size_t length = format_date_part(buf, &tm, settings);
    if (tm.year <= 0) length += (size_t)sprintf(buf + length, " BC");
    return length;
}

size_t dt_time_out(DtTime value, char *buf)
{
    int hour = (int)(value / DT_USECS_PER_HOUR);
    int minute = (int)(value / DT_USECS_PER_MINUTE % 60);
    size_t length = (size_t)sprintf(buf, "%02d:%02d:", hour, minute);
    return length + format_seconds(buf + length, (int)(value / DT_USECS_PER_SEC % 60),
                                   (int32_t)(value % DT_USECS_PER_SEC), true);
}

/* "+05", "-04:56:02": ISO offset text of seconds east. */
static size_t format_offset(char *buf, int32_t offset)
{
    int32_t magnitude = offset < 0 ? -offset : offset;
    size_t length = (size_t)sprintf(buf, "%c%02d", offset < 0 ? '-' : '+', magnitude / 3600);
    if (magnitude % 3600 != 0) {
        length += (size_t)sprintf(buf + length, ":%02d", magnitude / 60 % 60);
    }
    if (magnitude % 60 != 0) length += (size_t)sprintf(buf + length, ":%02d", magnitude % 60);
    return length;
}

static size_t format_timestamp(const DtTm *tm, bool with_zone, int32_t offset, const char *abbrev,
                               const DtSettings *settings, char *buf)
{
    DtDateStyle style = settings != NULL ? settings->date_style : DT_DATESTYLE_ISO;
    size_t length = 0;
    if (style == DT_DATESTYLE_POSTGRES) {
        int64_t days = dt_days_from_civil(tm->year, tm->month, tm->day);
        int weekday = (int)(((days % 7) + 7 + 6) % 7); /* 2000-01-01 was a Saturday */
        DtDateOrder order = settings->date_order;
        if (order == DT_DATEORDER_DMY) {
            length = (size_t)sprintf(buf, "%s %02d %s", day_abbrevs[weekday], tm->day,
                                     month_abbrevs[tm->month - 1]);
        } else {
            length = (size_t)sprintf(buf, "%s %s %02d", day_abbrevs[weekday],
                                     month_abbrevs[tm->month - 1], tm->day);
        }
        length += (size_t)sprintf(buf + length, " %02d:%02d:", tm->hour, tm->minute);
        length += format_seconds(buf + length, tm->second, tm->usec, true);
        length += (size_t)sprintf(buf + length, " %04d", display_year(tm->year));
    } else {
        length = format_date_part(buf, tm, settings);
        length +=
            (size_t)sprintf(buf + length, "%s%02d:%02d:", style == DT_DATESTYLE_ISO ? " " : " ",
                            tm->hour, tm->minute);
        length += format_seconds(buf + length, tm->second, tm->usec, true);
    }
    if (with_zone) {
        if (style == DT_DATESTYLE_ISO) {
            length += format_offset(buf + length, offset);
        } else if (abbrev != NULL && abbrev[0] != '\0') {
            length += (size_t)sprintf(buf + length, " %s", abbrev);
        } else {
            buf[length++] = ' ';
            length += format_offset(buf + length, offset);
        }
    }
    if (tm->year <= 0) length += (size_t)sprintf(buf + length, " BC");
    return length;
}

size_t dt_timestamp_out(DtTimestamp value, const DtSettings *settings, char *buf)
{
    if (value == DT_TIMESTAMP_NOBEGIN) return (size_t)sprintf(buf, "-infinity");
    if (value == DT_TIMESTAMP_NOEND) return (size_t)sprintf(buf, "infinity");
    DtTm tm;
    dt_timestamp_to_tm(value, &tm);
    return format_timestamp(&tm, false, 0, NULL, settings, buf);
}

size_t dt_timestamptz_out(DtTimestamp value, const DtSettings *settings, char *buf)
{
    if (value == DT_TIMESTAMP_NOBEGIN) return (size_t)sprintf(buf, "-infinity");
    if (value == DT_TIMESTAMP_NOEND) return (size_t)sprintf(buf, "infinity");
    const char *abbrev = NULL;
    int32_t offset = dt_zone_offset_at(settings != NULL ? settings->zone : NULL, value, &abbrev);
    DtTm tm;
    dt_timestamp_to_tm(value + (int64_t)offset * DT_USECS_PER_SEC, &tm);
    return format_timestamp(&tm, true, offset, abbrev, settings, buf);
}

/* Interval fields as PostgreSQL splits them for output. */
typedef struct IntervalParts { /* int64 so that negating INT32_MIN days is exact */
    int64_t year;
    int64_t month;
    int64_t day;
    int64_t hour;
    int64_t minute;
    int64_t second;
    int64_t usec;
} IntervalParts;

static void interval_parts(const DtInterval *value, IntervalParts *parts)
{
    parts->year = value->month / 12;
    parts->month = value->month % 12;
    parts->day = value->day;
    int64_t time = value->time;
    parts->hour = time / DT_USECS_PER_HOUR;
    time -= parts->hour * DT_USECS_PER_HOUR;
    parts->minute = time / DT_USECS_PER_MINUTE;
    time -= parts->minute * DT_USECS_PER_MINUTE;
    parts->second = time / DT_USECS_PER_SEC;
    parts->usec = time - parts->second * DT_USECS_PER_SEC;
}

/* Seconds of a possibly negative (second, usec) pair without sign. */
static size_t format_abs_seconds(char *buf, int64_t second, int64_t usec, bool fill)
{
    return format_seconds(buf, (int)(second < 0 ? -second : second),
                          (int32_t)(usec < 0 ? -usec : usec), fill);
}

static size_t postgres_part(char *buf, int64_t value, const char *unit, bool *is_zero,
                            bool *is_before)
{
    if (value == 0) return 0;
    size_t length = (size_t)sprintf(buf, "%s%s%lld %s%s", *is_zero ? "" : " ",
                                    (*is_before && value > 0) ? "+" : "", (long long)value, unit,
                                    value != 1 ? "s" : "");
    *is_before = value < 0;
    *is_zero = false;
    return length;
}

static size_t interval_out_postgres(const IntervalParts *parts, char *buf)
{
    bool is_zero = true;
    bool is_before = false;
    size_t length = 0;
    length += postgres_part(buf + length, parts->year, "year", &is_zero, &is_before);
    length += postgres_part(buf + length, parts->month, "mon", &is_zero, &is_before);
    length += postgres_part(buf + length, parts->day, "day", &is_zero, &is_before);
    if (is_zero || parts->hour != 0 || parts->minute != 0 || parts->second != 0 ||
        parts->usec != 0) {
        bool minus = parts->hour < 0 || parts->minute < 0 || parts->second < 0 || parts->usec < 0;
        length += (size_t)sprintf(buf + length, "%s%s%02lld:%02lld:", is_zero ? "" : " ",
                                  minus ? "-" : (is_before ? "+" : ""),
                                  (long long)llabs(parts->hour), (long long)llabs(parts->minute));
        length += format_abs_seconds(buf + length, parts->second, parts->usec, true);
    }
    buf[length] = '\0';
    return length;
}

static size_t verbose_part(char *buf, int64_t value, const char *unit, bool *is_zero)
{
    if (value == 0) return 0;
    *is_zero = false;
    return (size_t)sprintf(buf, " %lld %s%s", (long long)value, unit, value != 1 ? "s" : "");
}

static size_t interval_out_verbose(const IntervalParts *parts, char *buf)
{
    bool is_zero = true;
    size_t length = (size_t)sprintf(buf, "@");
    length += verbose_part(buf + length, parts->year, "year", &is_zero);
    length += verbose_part(buf + length, parts->month, "mon", &is_zero);
    length += verbose_part(buf + length, parts->day, "day", &is_zero);
    length += verbose_part(buf + length, parts->hour, "hour", &is_zero);
    length += verbose_part(buf + length, parts->minute, "min", &is_zero);
    if (parts->second != 0 || parts->usec != 0) {
        bool negative = parts->second < 0 || parts->usec < 0;
        length += (size_t)sprintf(buf + length, " %s", negative ? "-" : "");
        length += format_abs_seconds(buf + length, parts->second, parts->usec, false);
        bool one = parts->second == 1 && parts->usec == 0;
        length += (size_t)sprintf(buf + length, " sec%s", one ? "" : "s");
        is_zero = false;
    }
    if (is_zero) length += (size_t)sprintf(buf + length, " 0");
    /* a negative leading value reads better as "ago" */
    bool negative = parts->year < 0 || (parts->year == 0 && (parts->month < 0 ||
                    (parts->month == 0 && (parts->day < 0 || (parts->day == 0 &&
                    (parts->hour < 0 || (parts->hour == 0 && (parts->minute < 0 ||
                    (parts->minute == 0 && (parts->second < 0 || parts->usec < 0))))))))));
    if (negative) {
        /* PostgreSQL prints every field negated followed by " ago" */
        IntervalParts flipped = {-parts->year, -parts->month, -parts->day, -parts->hour,
                                 -parts->minute, -parts->second, -parts->usec};
        is_zero = true;
        length = (size_t)sprintf(buf, "@");
        length += verbose_part(buf + length, flipped.year, "year", &is_zero);
        length += verbose_part(buf + length, flipped.month, "mon", &is_zero);
        length += verbose_part(buf + length, flipped.day, "day", &is_zero);
        length += verbose_part(buf + length, flipped.hour, "hour", &is_zero);
        length += verbose_part(buf + length, flipped.minute, "min", &is_zero);
        if (flipped.second != 0 || flipped.usec != 0) {
            bool minus = flipped.second < 0 || flipped.usec < 0;
            length += (size_t)sprintf(buf + length, " %s", minus ? "-" : "");
            length += format_abs_seconds(buf + length, flipped.second, flipped.usec, false);
            bool one = flipped.second == 1 && flipped.usec == 0;
            length += (size_t)sprintf(buf + length, " sec%s", one ? "" : "s");
        }
        length += (size_t)sprintf(buf + length, " ago");
    }
    return length;
}

static size_t interval_out_sql(IntervalParts parts, char *buf)
{
    bool has_negative = parts.year < 0 || parts.month < 0 || parts.day < 0 || parts.hour < 0 ||
                        parts.minute < 0 || parts.second < 0 || parts.usec < 0;
    bool has_positive = parts.year > 0 || parts.month > 0 || parts.day > 0 || parts.hour > 0 ||
                        parts.minute > 0 || parts.second > 0 || parts.usec > 0;
    bool has_year_month = parts.year != 0 || parts.month != 0;
    bool has_day_time = parts.day != 0 || parts.hour != 0 || parts.minute != 0 ||
                        parts.second != 0 || parts.usec != 0;
    bool standard = !(has_negative && has_positive) && !(has_year_month && has_day_time);
    size_t length = 0;
    if (has_negative && standard) {
        buf[length++] = '-';
        parts = (IntervalParts){-parts.year, -parts.month, -parts.day, -parts.hour,
                                -parts.minute, -parts.second, -parts.usec};
    }
    if (!has_negative && !has_positive) return (size_t)sprintf(buf, "0");
    if (!standard) {
        char year_sign = (parts.year < 0 || parts.month < 0) ? '-' : '+';
        char day_sign = parts.day < 0 ? '-' : '+';
        char time_sign = (parts.hour < 0 || parts.minute < 0 || parts.second < 0 || parts.usec < 0)
                             ? '-' : '+';
        length += (size_t)sprintf(buf + length, "%c%lld-%lld %c%lld %c%lld:%02lld:", year_sign,
                                  (long long)llabs(parts.year), (long long)llabs(parts.month),
                                  day_sign, (long long)llabs(parts.day), time_sign,
                                  (long long)llabs(parts.hour), (long long)llabs(parts.minute));
        length += format_abs_seconds(buf + length, parts.second, parts.usec, true);
    } else if (has_year_month) {
        length += (size_t)sprintf(buf + length, "%lld-%lld", (long long)parts.year,
                                  (long long)parts.month);
    } else if (parts.day != 0) {
        length += (size_t)sprintf(buf + length, "%lld %lld:%02lld:", (long long)parts.day,
                                  (long long)parts.hour, (long long)parts.minute);
        length += format_abs_seconds(buf + length, parts.second, parts.usec, true);
    } else {
        length += (size_t)sprintf(buf + length, "%lld:%02lld:", (long long)parts.hour,
                                  (long long)parts.minute);
        length += format_abs_seconds(buf + length, parts.second, parts.usec, true);
    }
    return length;
}

static size_t interval_out_iso(const IntervalParts *parts, char *buf)
{
    if (parts->year == 0 && parts->month == 0 && parts->day == 0 && parts->hour == 0 &&
        parts->minute == 0 && parts->second == 0 && parts->usec == 0) {
        return (size_t)sprintf(buf, "PT0S");
    }
    size_t length = (size_t)sprintf(buf, "P");
    if (parts->year != 0) length += (size_t)sprintf(buf + length, "%lldY", (long long)parts->year);
    if (parts->month != 0) {
        length += (size_t)sprintf(buf + length, "%lldM", (long long)parts->month);
    }
    if (parts->day != 0) length += (size_t)sprintf(buf + length, "%lldD", (long long)parts->day);
    if (parts->hour != 0 || parts->minute != 0 || parts->second != 0 || parts->usec != 0) {
        buf[length++] = 'T';
        if (parts->hour != 0) {
            length += (size_t)sprintf(buf + length, "%lldH", (long long)parts->hour);
        }
        if (parts->minute != 0) {
            length += (size_t)sprintf(buf + length, "%lldM", (long long)parts->minute);
        }
        if (parts->second != 0 || parts->usec != 0) {
            if (parts->second < 0 || parts->usec < 0) buf[length++] = '-';
            length += format_abs_seconds(buf + length, parts->second, parts->usec, false);
            buf[length++] = 'S';
        }
    }
    buf[length] = '\0';
    return length;
}

size_t dt_interval_out(const DtInterval *value, const DtSettings *settings, char *buf)
{
    IntervalParts parts;
    interval_parts(value, &parts);
    DtIntervalStyle style = settings != NULL ? settings->interval_style : DT_INTERVALSTYLE_POSTGRES;
    switch (style) {
    case DT_INTERVALSTYLE_POSTGRES_VERBOSE:
        return interval_out_verbose(&parts, buf);
    case DT_INTERVALSTYLE_SQL_STANDARD:
        return interval_out_sql(parts, buf);
    case DT_INTERVALSTYLE_ISO_8601:
        return interval_out_iso(&parts, buf);
    default:
        return interval_out_postgres(&parts, buf);
    }
}

/* ---- precision ---- */

static const int64_t precision_scales[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};

static int64_t round_usecs(int64_t value, int precision)
{
    int64_t scale = precision_scales[precision];
    int64_t half = scale / 2;
    if (value >= 0) return (value + half) / scale * scale;
    return -(((-value) + half) / scale * scale);
}

Error *dt_timestamp_round(DtTimestamp value, int precision, DtTimestamp *value_out)
{
    if (precision < 0 || precision >= DT_PRECISION_MAX || !dt_timestamp_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    int64_t rounded = round_usecs(value, precision);
    if (!dt_timestamp_in_range(rounded)) return err_timestamp_range();
    *value_out = rounded;
    return NULL;
}

DtTime dt_time_round(DtTime value, int precision)
{
    if (precision < 0 || precision >= DT_PRECISION_MAX) return value;
    return round_usecs(value, precision);
}

Error *dt_interval_round(const DtInterval *value, int precision, DtInterval *value_out)
{
    *value_out = *value;
    if (precision < 0 || precision >= DT_PRECISION_MAX) return NULL;
    if (value->time > INT64_MAX - 500000 || value->time < INT64_MIN + 500000) {
        return err_interval_range();
    }
    value_out->time = round_usecs(value->time, precision);
    return NULL;
}

Error *dt_interval_apply_typmod(const DtInterval *value, int range, int precision,
                                DtInterval *value_out)
{
    const int year = DT_INTERVAL_MASK_YEAR;
    const int month = DT_INTERVAL_MASK_MONTH;
    const int day = DT_INTERVAL_MASK_DAY;
    const int hour = DT_INTERVAL_MASK_HOUR;
    const int minute = DT_INTERVAL_MASK_MINUTE;
    DtInterval result = *value;
    if (range == year) {
        result.month = result.month / 12 * 12;
        result.day = 0;
        result.time = 0;
    } else if (range == month || range == (year | month)) {
        result.day = 0;
        result.time = 0;
    } else if (range == day) {
        result.time = 0;
    } else if (range == hour || range == (day | hour)) {
        result.time = result.time / DT_USECS_PER_HOUR * DT_USECS_PER_HOUR;
    } else if (range == minute || range == (hour | minute) || range == (day | hour | minute)) {
        result.time = result.time / DT_USECS_PER_MINUTE * DT_USECS_PER_MINUTE;
    }
    return dt_interval_round(&result, precision, value_out);
}

/* ---- conversions ---- */

Error *dt_date_to_timestamp(DtDate value, DtTimestamp *value_out)
{
    if (value == DT_DATE_NOBEGIN) *value_out = DT_TIMESTAMP_NOBEGIN;
    else if (value == DT_DATE_NOEND) *value_out = DT_TIMESTAMP_NOEND;
    else if ((int64_t)value * DT_USECS_PER_DAY >= DT_TIMESTAMP_END) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range for timestamp");
    } else {
        *value_out = (int64_t)value * DT_USECS_PER_DAY;
    }
    return NULL;
}

Error *dt_date_to_timestamptz(DtDate value, const TzZone *zone, DtTimestamp *value_out)
{
    DtTimestamp local = 0;
    TRY(dt_date_to_timestamp(value, &local));
    if (!dt_timestamp_is_finite(local)) {
        *value_out = local;
        return NULL;
    }
    int64_t utc = local - (int64_t)dt_zone_local_offset(zone, local) * DT_USECS_PER_SEC;
    if (!dt_timestamp_in_range(utc)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range for timestamp");
    }
    *value_out = utc;
    return NULL;
}

Error *dt_timestamp_to_date(DtTimestamp value, DtDate *value_out)
{
    if (value == DT_TIMESTAMP_NOBEGIN) *value_out = DT_DATE_NOBEGIN;
    else if (value == DT_TIMESTAMP_NOEND) *value_out = DT_DATE_NOEND;
    else *value_out = (DtDate)dt_floor_div(value, DT_USECS_PER_DAY);
    return NULL;
}

Error *dt_timestamptz_to_date(DtTimestamp value, const TzZone *zone, DtDate *value_out)
{
    if (!dt_timestamp_is_finite(value)) return dt_timestamp_to_date(value, value_out);
    int64_t local = value + (int64_t)dt_zone_offset_at(zone, value, NULL) * DT_USECS_PER_SEC;
    *value_out = (DtDate)dt_floor_div(local, DT_USECS_PER_DAY);
    return NULL;
}

Error *dt_timestamp_to_timestamptz(DtTimestamp value, const TzZone *zone, DtTimestamp *value_out)
{
    if (!dt_timestamp_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    int64_t utc = value - (int64_t)dt_zone_local_offset(zone, value) * DT_USECS_PER_SEC;
    if (!dt_timestamp_in_range(utc)) return err_timestamp_range();
    *value_out = utc;
    return NULL;
}

Error *dt_timestamptz_to_timestamp(DtTimestamp value, const TzZone *zone, DtTimestamp *value_out)
{
    if (!dt_timestamp_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    int64_t local = value + (int64_t)dt_zone_offset_at(zone, value, NULL) * DT_USECS_PER_SEC;
    if (!dt_timestamp_in_range(local)) return err_timestamp_range();
    *value_out = local;
    return NULL;
}

bool dt_timestamp_to_time(DtTimestamp value, DtTime *value_out)
{
    if (!dt_timestamp_is_finite(value)) return false;
    *value_out = value - dt_floor_div(value, DT_USECS_PER_DAY) * DT_USECS_PER_DAY;
    return true;
}

bool dt_timestamptz_to_time(DtTimestamp value, const TzZone *zone, DtTime *value_out)
{
    if (!dt_timestamp_is_finite(value)) return false;
    int64_t local = value + (int64_t)dt_zone_offset_at(zone, value, NULL) * DT_USECS_PER_SEC;
    return dt_timestamp_to_time(local, value_out);
}

Error *dt_zone_resolve(const char *name, const TzZone **zone_out)
{
    char lower[TZ_NAME_SIZE_MAX];
    size_t idx = 0;
    for (; name[idx] != '\0' && idx + 1 < sizeof lower; idx++) {
        char letter = name[idx];
        lower[idx] = (letter >= 'A' && letter <= 'Z') ? (char)(letter - 'A' + 'a') : letter;
    }
    lower[idx] = '\0';
    int32_t offset;
    if (tz_abbrev_lookup(lower, &offset, NULL)) {
        const TzZone *zone = tz_fixed(offset);
        if (zone == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        *zone_out = zone;
        return NULL;
    }
    Error *err = tz_load(name, zone_out);
    if (err != NULL && err->state != SQLSTATE_OUT_OF_MEMORY) {
        err_free(err);
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized", name);
    }
    return err;
}

Error *dt_timestamp_at_zone(DtTimestamp value, const TzZone *zone, DtTimestamp *value_out)
{
    return dt_timestamp_to_timestamptz(value, zone, value_out);
}

Error *dt_timestamptz_at_zone(DtTimestamp value, const TzZone *zone, DtTimestamp *value_out)
{
    return dt_timestamptz_to_timestamp(value, zone, value_out);
}

/* ---- arithmetic ---- */

Error *dt_date_add_days(DtDate value, int32_t days, DtDate *value_out)
{
    if (!dt_date_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    int64_t result = (int64_t)value + days;
    if (!dt_date_in_range(result)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range");
    }
    *value_out = (DtDate)result;
    return NULL;
}

Error *dt_date_sub_days(DtDate value, int32_t days, DtDate *value_out)
{
    if (!dt_date_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    int64_t result = (int64_t)value - days;
    if (!dt_date_in_range(result)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range");
    }
    *value_out = (DtDate)result;
    return NULL;
}

Error *dt_date_diff(DtDate left, DtDate right, int32_t *days_out)
{
    if (!dt_date_is_finite(left) || !dt_date_is_finite(right)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite dates");
    }
    *days_out = left - right; /* both within the date range, so no overflow */
    return NULL;
}

/* Add months then days to local fields of a finite timestamp. */
static Error *add_months_days(DtTimestamp local, const DtInterval *span, DtTimestamp *local_out)
{
    DtTm tm;
    if (span->month != 0) {
        dt_timestamp_to_tm(local, &tm);
        int64_t month_index = (int64_t)tm.year * 12 + (tm.month - 1) + span->month;
        tm.year = (int)dt_floor_div(month_index, 12);
        tm.month = (int)(month_index - (int64_t)tm.year * 12) + 1;
        int length = dt_month_length(tm.year, tm.month);
        if (tm.day > length) tm.day = length;
        if (!dt_tm_to_timestamp(&tm, &local)) return err_timestamp_range();
    }
    if (span->day != 0) {
        dt_timestamp_to_tm(local, &tm);
        int64_t days = dt_days_from_civil(tm.year, tm.month, tm.day) + span->day;
        dt_civil_from_days(days, &tm.year, &tm.month, &tm.day);
        if (!dt_tm_to_timestamp(&tm, &local)) return err_timestamp_range();
    }
    *local_out = local;
    return NULL;
}

static Error *add_time(DtTimestamp value, int64_t time, DtTimestamp *value_out)
{
    int64_t result;
    if (__builtin_add_overflow(value, time, &result) || !dt_timestamp_in_range(result)) {
        return err_timestamp_range();
    }
    *value_out = result;
    return NULL;
}

Error *dt_timestamp_add_interval(DtTimestamp value, const DtInterval *span, DtTimestamp *value_out)
{
    if (!dt_timestamp_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    TRY(add_months_days(value, span, &value));
    return add_time(value, span->time, value_out);
}

Error *dt_interval_negate(const DtInterval *value, DtInterval *value_out)
{
    if (value->time == INT64_MIN || value->day == INT32_MIN || value->month == INT32_MIN) {
        return err_interval_range();
    }
    *value_out = (DtInterval){-value->time, -value->day, -value->month};
    return NULL;
}

Error *dt_timestamp_sub_interval(DtTimestamp value, const DtInterval *span, DtTimestamp *value_out)
{
    DtInterval negated = {0, 0, 0};
    TRY(dt_interval_negate(span, &negated));
    return dt_timestamp_add_interval(value, &negated, value_out);
}

Error *dt_timestamptz_add_interval(DtTimestamp value, const DtInterval *span, const TzZone *zone,
                                   DtTimestamp *value_out)
{
    if (!dt_timestamp_is_finite(value)) {
        *value_out = value;
        return NULL;
    }
    if (span->month != 0 || span->day != 0) {
        int64_t local = value + (int64_t)dt_zone_offset_at(zone, value, NULL) * DT_USECS_PER_SEC;
        if (!dt_timestamp_in_range(local)) return err_timestamp_range();
        TRY(add_months_days(local, span, &local));
        value = local - (int64_t)dt_zone_local_offset(zone, local) * DT_USECS_PER_SEC;
        if (!dt_timestamp_in_range(value)) return err_timestamp_range();
    }
    return add_time(value, span->time, value_out);
}

Error *dt_timestamptz_sub_interval(DtTimestamp value, const DtInterval *span, const TzZone *zone,
                                   DtTimestamp *value_out)
{
    DtInterval negated = {0, 0, 0};
    TRY(dt_interval_negate(span, &negated));
    return dt_timestamptz_add_interval(value, &negated, zone, value_out);
}

Error *dt_timestamp_diff(DtTimestamp left, DtTimestamp right, DtInterval *value_out)
{
    if (!dt_timestamp_is_finite(left) || !dt_timestamp_is_finite(right)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    }
    int64_t time;
    if (__builtin_sub_overflow(left, right, &time)) return err_interval_range();
    DtInterval raw = {time, 0, 0};
    return dt_interval_justify_hours(&raw, value_out);
}

DtTime dt_time_add_interval(DtTime value, const DtInterval *span)
{
    int64_t shift = span->time % DT_USECS_PER_DAY;
    int64_t result = (value + shift) % DT_USECS_PER_DAY;
    if (result < 0) result += DT_USECS_PER_DAY;
    return result;
}

Error *dt_interval_add(const DtInterval *left, const DtInterval *right, DtInterval *value_out)
{
    DtInterval result;
    if (__builtin_add_overflow(left->month, right->month, &result.month) ||
        __builtin_add_overflow(left->day, right->day, &result.day) ||
        __builtin_add_overflow(left->time, right->time, &result.time)) {
        return err_interval_range();
    }
    *value_out = result;
    return NULL;
}

Error *dt_interval_sub(const DtInterval *left, const DtInterval *right, DtInterval *value_out)
{
    DtInterval result;
    if (__builtin_sub_overflow(left->month, right->month, &result.month) ||
        __builtin_sub_overflow(left->day, right->day, &result.day) ||
        __builtin_sub_overflow(left->time, right->time, &result.time)) {
        return err_interval_range();
    }
    *value_out = result;
    return NULL;
}

static bool fits_int32(double value)
{
    return value >= (double)INT32_MIN && value < -(double)INT32_MIN;
}

static bool fits_int64(double value)
{
    return value >= (double)INT64_MIN && value < -(double)INT64_MIN;
}

static double round_to_usecs(double value)
{
    return rint(value * 1000000.0) / 1000000.0;
}

/* PostgreSQL's interval_mul: whole months and days, fractions cascaded down 30-day months
 * and 24-hour days into the time field. scaled_month/day are value->month/day * factor. */
static Error *interval_scale(const DtInterval *value, double scaled_month, double scaled_day,
                             double scaled_time, DtInterval *value_out)
{
    if (isnan(scaled_month) || !fits_int32(scaled_month) || isnan(scaled_day) ||
        !fits_int32(scaled_day)) {
        return err_interval_range();
    }
    DtInterval result;
    result.month = (int32_t)scaled_month;
    result.day = (int32_t)scaled_day;
    double month_remainder_days = round_to_usecs((scaled_month - result.month) * DT_DAYS_PER_MONTH);
    double sec_remainder = round_to_usecs(
        (scaled_day - result.day + month_remainder_days - (int)month_remainder_days) *
        DT_SECS_PER_DAY);
    if (fabs(sec_remainder) >= DT_SECS_PER_DAY) {
        result.day += (int)(sec_remainder / DT_SECS_PER_DAY);
        sec_remainder -= (int)(sec_remainder / DT_SECS_PER_DAY) * DT_SECS_PER_DAY;
    }
    result.day += (int32_t)month_remainder_days;
    double time = rint(scaled_time + sec_remainder * 1000000.0);
    if (isnan(time) || !fits_int64(time)) return err_interval_range();
    result.time = (int64_t)time;
    (void)value;
    *value_out = result;
    return NULL;
}

Error *dt_interval_mul(const DtInterval *value, double factor, DtInterval *value_out)
{
    if (isnan(factor)) return err_interval_range();
    return interval_scale(value, value->month * factor, value->day * factor,
                          (double)value->time * factor, value_out);
}

Error *dt_interval_div(const DtInterval *value, double factor, DtInterval *value_out)
{
    if (factor == 0.0) return err_new(SQLSTATE_DIVISION_BY_ZERO, "division by zero");
    if (isnan(factor)) return err_interval_range();
    return interval_scale(value, value->month / factor, value->day / factor,
                          (double)value->time / factor, value_out);
}

__extension__ typedef __int128 Int128;

static Int128 interval_span(const DtInterval *value)
{
    return (Int128)value->time +
           ((Int128)value->day + (Int128)value->month * DT_DAYS_PER_MONTH) * DT_USECS_PER_DAY;
}

int dt_interval_cmp(const DtInterval *left, const DtInterval *right)
{
    Int128 left_span = interval_span(left);
    Int128 right_span = interval_span(right);
    return left_span < right_span ? -1 : (left_span > right_span ? 1 : 0);
}

Error *dt_interval_justify_hours(const DtInterval *value, DtInterval *value_out)
{
    DtInterval result = *value;
    int64_t whole_days = result.time / DT_USECS_PER_DAY;
    result.time -= whole_days * DT_USECS_PER_DAY;
    if (whole_days > INT32_MAX || whole_days < INT32_MIN ||
        __builtin_add_overflow(result.day, (int32_t)whole_days, &result.day)) {
        return err_interval_range();
    }
    if (result.day > 0 && result.time < 0) {
        result.time += DT_USECS_PER_DAY;
        result.day--;
    } else if (result.day < 0 && result.time > 0) {
        result.time -= DT_USECS_PER_DAY;
        result.day++;
    }
    *value_out = result;
    return NULL;
}

Error *dt_interval_justify_days(const DtInterval *value, DtInterval *value_out)
{
    DtInterval result = *value;
    int32_t whole_months = result.day / DT_DAYS_PER_MONTH;
    result.day -= whole_months * DT_DAYS_PER_MONTH;
    if (__builtin_add_overflow(result.month, whole_months, &result.month)) {
        return err_interval_range();
    }
    if (result.month > 0 && result.day < 0) {
        result.day += DT_DAYS_PER_MONTH;
        result.month--;
    } else if (result.month < 0 && result.day > 0) {
        result.day -= DT_DAYS_PER_MONTH;
        result.month++;
    }
    *value_out = result;
    return NULL;
}

Error *dt_interval_justify_interval(const DtInterval *value, DtInterval *value_out)
{
    DtInterval result = *value;
    /* whole days out of the time first, then whole months out of the days */
    int64_t whole_days = result.time / DT_USECS_PER_DAY;
    result.time -= whole_days * DT_USECS_PER_DAY;
    if (whole_days > INT32_MAX || whole_days < INT32_MIN ||
        __builtin_add_overflow(result.day, (int32_t)whole_days, &result.day)) {
        return err_interval_range();
    }
    int32_t whole_months = result.day / DT_DAYS_PER_MONTH;
    result.day -= whole_months * DT_DAYS_PER_MONTH;
    if (__builtin_add_overflow(result.month, whole_months, &result.month)) {
        return err_interval_range();
    }
    if (result.month > 0 && (result.day < 0 || (result.day == 0 && result.time < 0))) {
        result.day += DT_DAYS_PER_MONTH;
        result.month--;
    } else if (result.month < 0 && (result.day > 0 || (result.day == 0 && result.time > 0))) {
        result.day -= DT_DAYS_PER_MONTH;
        result.month++;
    }
    if (result.day > 0 && result.time < 0) {
        result.time += DT_USECS_PER_DAY;
        result.day--;
    } else if (result.day < 0 && result.time > 0) {
        result.time -= DT_USECS_PER_DAY;
        result.day++;
    }
    *value_out = result;
    return NULL;
}

/* age: field-wise difference of two broken-down times, borrowing like PostgreSQL. */
static Error *age_fields(DtTimestamp left, DtTimestamp right, const DtTm *left_tm,
                         const DtTm *right_tm, DtInterval *value_out)
{
    int64_t usec = left_tm->usec - right_tm->usec;
    int64_t second = left_tm->second - right_tm->second;
    int64_t minute = left_tm->minute - right_tm->minute;
    int64_t hour = left_tm->hour - right_tm->hour;
    int64_t day = left_tm->day - right_tm->day;
    int64_t month = left_tm->month - right_tm->month;
    int64_t year = (int64_t)left_tm->year - right_tm->year;
    bool flip = left < right;
    if (flip) {
        usec = -usec, second = -second, minute = -minute, hour = -hour;
        day = -day, month = -month, year = -year;
    }
    while (usec < 0) usec += 1000000, second--;
    while (second < 0) second += 60, minute--;
    while (minute < 0) minute += 60, hour--;
    while (hour < 0) hour += 24, day--;
    const DtTm *base = flip ? left_tm : right_tm;
    while (day < 0) day += dt_month_length(base->year, base->month), month--;
    while (month < 0) month += 12, year--;
    if (flip) {
        usec = -usec, second = -second, minute = -minute, hour = -hour;
        day = -day, month = -month, year = -year;
    }
    int64_t months = year * 12 + month;
    if (months > INT32_MAX || months < INT32_MIN) return err_interval_range();
    value_out->month = (int32_t)months;
    value_out->day = (int32_t)day;
    value_out->time = ((hour * 60 + minute) * 60 + second) * DT_USECS_PER_SEC + usec;
    return NULL;
}

Error *dt_timestamp_age(DtTimestamp left, DtTimestamp right, DtInterval *value_out)
{
    if (!dt_timestamp_is_finite(left) || !dt_timestamp_is_finite(right)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    }
    DtTm left_tm;
    DtTm right_tm;
    dt_timestamp_to_tm(left, &left_tm);
    dt_timestamp_to_tm(right, &right_tm);
    return age_fields(left, right, &left_tm, &right_tm, value_out);
}

Error *dt_timestamptz_age(DtTimestamp left, DtTimestamp right, const TzZone *zone,
                          DtInterval *value_out)
{
    if (!dt_timestamp_is_finite(left) || !dt_timestamp_is_finite(right)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    }
    DtTm left_tm;
    DtTm right_tm;
    dt_timestamp_to_tm(left + (int64_t)dt_zone_offset_at(zone, left, NULL) * DT_USECS_PER_SEC,
                       &left_tm);
    dt_timestamp_to_tm(right + (int64_t)dt_zone_offset_at(zone, right, NULL) * DT_USECS_PER_SEC,
                       &right_tm);
    return age_fields(left, right, &left_tm, &right_tm, value_out);
}
