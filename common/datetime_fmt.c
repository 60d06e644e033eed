/* common/datetime_fmt.c: to_char for timestamp, timestamptz and interval (see datetime.h).
 *
 * The format is scanned left to right; at each position the longest pattern that matches is
 * expanded (FM and TH/th modifiers around it), double-quoted text and anything that is not a
 * pattern is copied as is. Widths and paddings are PostgreSQL's: numbers zero-padded to their
 * natural width, month and day names blank-padded to 9 unless FM.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/datetime.h"
#include "common/datetime_int.h"

typedef enum Pattern {
    PAT_NONE,
    PAT_A_D_UPPER, PAT_A_D_LOWER, PAT_A_M_UPPER, PAT_A_M_LOWER, PAT_AD_UPPER, PAT_AD_LOWER,
    PAT_AM_UPPER, PAT_AM_LOWER, PAT_B_C_UPPER, PAT_B_C_LOWER, PAT_BC_UPPER, PAT_BC_LOWER,
    PAT_CC, PAT_DAY_UPPER, PAT_DAY_CAP, PAT_DAY_LOWER, PAT_DDD, PAT_DD, PAT_DY_UPPER,
    PAT_DY_CAP, PAT_DY_LOWER, PAT_D, PAT_FF1, PAT_FF2, PAT_FF3, PAT_FF4, PAT_FF5, PAT_FF6,
    PAT_HH24, PAT_HH12, PAT_HH, PAT_IDDD, PAT_ID, PAT_IW, PAT_IYYY, PAT_IYY, PAT_IY, PAT_I,
    PAT_J, PAT_MI, PAT_MM, PAT_MONTH_UPPER, PAT_MONTH_CAP, PAT_MONTH_LOWER, PAT_MON_UPPER,
    PAT_MON_CAP, PAT_MON_LOWER, PAT_MS, PAT_OF, PAT_P_M_UPPER, PAT_P_M_LOWER, PAT_PM_UPPER,
    PAT_PM_LOWER, PAT_Q, PAT_RM_UPPER, PAT_RM_LOWER, PAT_SSSSS, PAT_SSSS, PAT_SS, PAT_TZH,
    PAT_TZM, PAT_TZ_UPPER, PAT_TZ_LOWER, PAT_US, PAT_WW, PAT_W, PAT_Y_YYY, PAT_YYYY, PAT_YYY,
    PAT_YY, PAT_Y,
} Pattern;

typedef struct PatternName {
    const char *text;
    Pattern     pattern;
    bool        any_case;    /* numeric patterns match in any letter case */
} PatternName;

/* Longest first where one is a prefix of another. */
static const PatternName pattern_names[] = {
    {"A.D.", PAT_A_D_UPPER, false}, {"a.d.", PAT_A_D_LOWER, false},
    {"A.M.", PAT_A_M_UPPER, false}, {"a.m.", PAT_A_M_LOWER, false},
    {"AD", PAT_AD_UPPER, false}, {"ad", PAT_AD_LOWER, false},
    {"AM", PAT_AM_UPPER, false}, {"am", PAT_AM_LOWER, false},
    {"B.C.", PAT_B_C_UPPER, false}, {"b.c.", PAT_B_C_LOWER, false},
    {"BC", PAT_BC_UPPER, false}, {"bc", PAT_BC_LOWER, false},
    {"CC", PAT_CC, true},
    {"DAY", PAT_DAY_UPPER, false}, {"Day", PAT_DAY_CAP, false}, {"day", PAT_DAY_LOWER, false},
    {"DDD", PAT_DDD, true}, {"DD", PAT_DD, true},
    {"DY", PAT_DY_UPPER, false}, {"Dy", PAT_DY_CAP, false}, {"dy", PAT_DY_LOWER, false},
    {"D", PAT_D, true},
    {"FF1", PAT_FF1, true}, {"FF2", PAT_FF2, true}, {"FF3", PAT_FF3, true},
    {"FF4", PAT_FF4, true}, {"FF5", PAT_FF5, true}, {"FF6", PAT_FF6, true},
    {"HH24", PAT_HH24, true}, {"HH12", PAT_HH12, true}, {"HH", PAT_HH, true},
    {"IDDD", PAT_IDDD, true}, {"ID", PAT_ID, true}, {"IW", PAT_IW, true},
    {"IYYY", PAT_IYYY, true}, {"IYY", PAT_IYY, true}, {"IY", PAT_IY, true}, {"I", PAT_I, true},
    {"J", PAT_J, true}, {"MI", PAT_MI, true}, {"MM", PAT_MM, true},
    {"MONTH", PAT_MONTH_UPPER, false}, {"Month", PAT_MONTH_CAP, false},
    {"month", PAT_MONTH_LOWER, false},
    {"MON", PAT_MON_UPPER, false}, {"Mon", PAT_MON_CAP, false}, {"mon", PAT_MON_LOWER, false},
    {"MS", PAT_MS, true}, {"OF", PAT_OF, false},
    {"P.M.", PAT_P_M_UPPER, false}, {"p.m.", PAT_P_M_LOWER, false},
    {"PM", PAT_PM_UPPER, false}, {"pm", PAT_PM_LOWER, false},
    {"Q", PAT_Q, true}, {"RM", PAT_RM_UPPER, false}, {"rm", PAT_RM_LOWER, false},
    {"SSSSS", PAT_SSSSS, true}, {"SSSS", PAT_SSSS, true}, {"SS", PAT_SS, true},
    {"TZH", PAT_TZH, false}, {"TZM", PAT_TZM, false},
    {"TZ", PAT_TZ_UPPER, false}, {"tz", PAT_TZ_LOWER, false},
    {"US", PAT_US, true}, {"WW", PAT_WW, true}, {"W", PAT_W, true},
    {"Y,YYY", PAT_Y_YYY, true}, {"YYYY", PAT_YYYY, true}, {"YYY", PAT_YYY, true},
    {"YY", PAT_YY, true}, {"Y", PAT_Y, true},
};

static const char *const month_names[12] = {"January", "February", "March", "April", "May",
                                            "June", "July", "August", "September", "October",
                                            "November", "December"};
static const char *const day_names[7] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
static const char *const roman_months[12] = {"I", "II", "III", "IV", "V", "VI",
                                             "VII", "VIII", "IX", "X", "XI", "XII"};

/* What a pattern can draw on. */
typedef struct FmtValue {
    DtTm        tm;            /* year astronomical for timestamps, plain for intervals */
    int64_t     hour;          /* intervals: total hours */
    int64_t     days;          /* days since 2000-01-01 (timestamps) */
    bool        is_interval;
    bool        with_zone;
    int32_t     offset;        /* seconds east */
    const char *abbrev;
} FmtValue;

typedef struct Out {
    char  *buf;
    size_t size;
    size_t length;
    bool   overflow;
} Out;

static void out_text(Out *out, const char *text)
{
    size_t add = strlen(text);
    if (out->length + add + 1 > out->size) {
        out->overflow = true;
        return;
    }
    memcpy(out->buf + out->length, text, add + 1);
    out->length += add;
}

/* true when text starts with pattern, ignoring letter case */
static bool strncasecmp_local(const char *text, const char *pattern, size_t length)
{
    for (size_t idx = 0; idx < length; idx++) {
        if (text[idx] == '\0') return false;
        if (tolower((unsigned char)text[idx]) != tolower((unsigned char)pattern[idx])) return false;
    }
    return true;
}

static const PatternName *match_pattern(const char *text)
{
    for (size_t name_idx = 0; name_idx < sizeof pattern_names / sizeof pattern_names[0];
         name_idx++) {
        const PatternName *name = &pattern_names[name_idx];
        size_t length = strlen(name->text);
        bool matched = name->any_case ? strncasecmp_local(text, name->text, length)
                                      : strncmp(text, name->text, length) == 0;
        if (matched) return name;
    }
    return NULL;
}

static const char *ordinal_suffix(int64_t number, bool upper)
{
    int64_t last_two = (number < 0 ? -number : number) % 100;
    int64_t last = last_two % 10;
    const char *suffix = "th";
    if (last_two < 11 || last_two > 13) {
        if (last == 1) suffix = "st";
        else if (last == 2) suffix = "nd";
        else if (last == 3) suffix = "rd";
    }
    if (!upper) return suffix;
    if (suffix[0] == 's') return "ST";
    if (suffix[0] == 'n') return "ND";
    if (suffix[0] == 'r') return "RD";
    return "TH";
}

static void case_copy(char *dst, const char *src, int mode, size_t size)
{
    /* mode 0: upper, 1: capitalized, 2: lower */
    size_t idx = 0;
    for (; src[idx] != '\0' && idx + 1 < size; idx++) {
        char letter = src[idx];
        if (mode == 0 || (mode == 1 && idx == 0)) letter = (char)toupper((unsigned char)letter);
        else letter = (char)tolower((unsigned char)letter);
        dst[idx] = letter;
    }
    dst[idx] = '\0';
}

static int64_t display_year(const FmtValue *value)
{
    if (value->is_interval) return value->tm.year;
    return value->tm.year <= 0 ? 1 - (int64_t)value->tm.year : value->tm.year;
}

static void iso_fields(const FmtValue *value, int *iso_year_out, int *week_out, int *iso_doy_out)
{
    int64_t days = value->days;
    int weekday = (int)(((days % 7) + 7 + 6) % 7);
    int iso_weekday = weekday == 0 ? 7 : weekday;
    int64_t thursday = days + (4 - iso_weekday);
    int year;
    int month;
    int day;
    dt_civil_from_days(thursday, &year, &month, &day);
    int64_t week_one_monday = dt_days_from_civil(year, 1, 4);
    int week_one_weekday = (int)(((week_one_monday % 7) + 7 + 6) % 7);
    week_one_monday -= (week_one_weekday == 0 ? 7 : week_one_weekday) - 1;
    *iso_year_out = year;
    *week_out = (int)((days - week_one_monday) / 7 + 1);
    *iso_doy_out = (int)(days - week_one_monday + 1);
}

/* A numeric pattern: value printed with width (0 = natural) and an optional ordinal. */
static void put_number(Out *out, int64_t number, int width, bool fill_mode, int th_mode)
{
    char text[64];
    /* printf semantics: a minus sign counts toward the width, as in PostgreSQL */
    snprintf(text, sizeof text, "%0*lld", fill_mode ? 0 : width, (long long)number);
    out_text(out, text);
    if (th_mode != 0) out_text(out, ordinal_suffix(number, th_mode == 2));
}

static void put_name(Out *out, const char *name, int mode, bool pad, bool fill_mode)
{
    char text[32];
    char padded[40];
    case_copy(text, name, mode, sizeof text);
    if (pad && !fill_mode) {
        snprintf(padded, sizeof padded, "%-9s", text);
        out_text(out, padded);
    } else {
        out_text(out, text);
    }
}

/* Hour, minute, second, month and two-digit year widen by one for a negative (interval) value. */
static void put_signed2(Out *out, int64_t number, bool fill_mode, int th_mode)
{
    put_number(out, number, number < 0 ? 3 : 2, fill_mode, th_mode);
}

static bool expand_time(Out *out, Pattern pattern, const FmtValue *value, bool fill_mode,
                        int th_mode)
{
    const DtTm *tm = &value->tm;
    bool is_pm = value->hour % 24 >= 12;
    bool is_bc = !value->is_interval && tm->year <= 0;
    switch (pattern) {
    case PAT_HH24: put_signed2(out, value->hour, fill_mode, th_mode); break;
    case PAT_HH:
    case PAT_HH12: {
        int64_t hour12 = value->hour % 12;
        put_signed2(out, hour12 == 0 ? 12 : hour12, fill_mode, th_mode);
        break;
    }
    case PAT_MI: put_signed2(out, tm->minute, fill_mode, th_mode); break;
    case PAT_SS: put_signed2(out, tm->second, fill_mode, th_mode); break;
    case PAT_MS: put_number(out, tm->usec / 1000, 3, fill_mode, th_mode); break;
    case PAT_US: put_number(out, tm->usec, 6, fill_mode, th_mode); break;
    case PAT_FF1: case PAT_FF2: case PAT_FF3: case PAT_FF4: case PAT_FF5: case PAT_FF6: {
        int digits = (int)(pattern - PAT_FF1) + 1;
        int64_t scaled = tm->usec;
        for (int idx = digits; idx < 6; idx++) scaled /= 10;
        put_number(out, scaled, digits, fill_mode, th_mode);
        break;
    }
    case PAT_SSSS:
    case PAT_SSSSS:
        put_number(out, (value->hour * 60 + tm->minute) * 60 + tm->second, 0, true, th_mode);
        break;
    case PAT_AM_UPPER: case PAT_PM_UPPER: out_text(out, is_pm ? "PM" : "AM"); break;
    case PAT_AM_LOWER: case PAT_PM_LOWER: out_text(out, is_pm ? "pm" : "am"); break;
    case PAT_A_M_UPPER: case PAT_P_M_UPPER: out_text(out, is_pm ? "P.M." : "A.M."); break;
    case PAT_A_M_LOWER: case PAT_P_M_LOWER: out_text(out, is_pm ? "p.m." : "a.m."); break;
    case PAT_BC_UPPER: case PAT_AD_UPPER: out_text(out, is_bc ? "BC" : "AD"); break;
    case PAT_BC_LOWER: case PAT_AD_LOWER: out_text(out, is_bc ? "bc" : "ad"); break;
    case PAT_B_C_UPPER: case PAT_A_D_UPPER: out_text(out, is_bc ? "B.C." : "A.D."); break;
    case PAT_B_C_LOWER: case PAT_A_D_LOWER: out_text(out, is_bc ? "b.c." : "a.d."); break;
    default:
        return false;
    }
    return true;
}

static bool expand_year(Out *out, Pattern pattern, const FmtValue *value, bool fill_mode,
                        int th_mode)
{
    const DtTm *tm = &value->tm;
    int64_t year = display_year(value);
    int iso_year;
    int iso_week_number;
    int iso_doy;
    char text[64];
    switch (pattern) {
    case PAT_Y_YYY:
        snprintf(text, sizeof text, "%lld,%03lld", (long long)(year / 1000),
                 (long long)(year % 1000));
        out_text(out, text);
        if (th_mode != 0) out_text(out, ordinal_suffix(year, th_mode == 2));
        break;
    case PAT_YYYY: put_number(out, year, year >= 0 ? 4 : 5, fill_mode, th_mode); break;
    case PAT_YYY: put_number(out, year % 1000, 3, fill_mode, th_mode); break;
    case PAT_YY: put_signed2(out, year % 100, fill_mode, th_mode); break;
    case PAT_Y: put_number(out, year % 10, 1, fill_mode, th_mode); break;
    case PAT_IYYY: case PAT_IYY: case PAT_IY: case PAT_I: {
        iso_fields(value, &iso_year, &iso_week_number, &iso_doy);
        int64_t shown = iso_year <= 0 ? 1 - (int64_t)iso_year : iso_year;
        static const int64_t mods[4] = {0, 1000, 100, 10};
        static const int widths[4] = {4, 3, 2, 1};
        int idx = (int)(pattern - PAT_IYYY);
        put_number(out, idx == 0 ? shown : shown % mods[idx], widths[idx], fill_mode, th_mode);
        break;
    }
    case PAT_CC: {
        int64_t century;
        if (value->is_interval) century = tm->year / 100;
        else century = tm->year > 0 ? ((int64_t)tm->year + 99) / 100 : tm->year / 100 - 1;
        put_number(out, century, century >= 0 ? 2 : 3, fill_mode, th_mode);
        break;
    }
    default:
        return false;
    }
    return true;
}

static bool expand_date(Out *out, Pattern pattern, const FmtValue *value, bool fill_mode,
                        int th_mode)
{
    const DtTm *tm = &value->tm;
    int iso_year;
    int iso_week_number;
    int iso_doy;
    int weekday = (int)(((value->days % 7) + 7 + 6) % 7);
    int64_t doy = value->is_interval ? 0 : value->days - dt_days_from_civil(tm->year, 1, 1) + 1;
    char text[64];
    switch (pattern) {
    case PAT_MONTH_UPPER: case PAT_MONTH_CAP: case PAT_MONTH_LOWER:
        if (tm->month < 1) break;
        put_name(out, month_names[tm->month - 1], (int)(pattern - PAT_MONTH_UPPER), true,
                 fill_mode);
        break;
    case PAT_MON_UPPER: case PAT_MON_CAP: case PAT_MON_LOWER: {
        if (tm->month < 1) break;
        char short_name[4];
        snprintf(short_name, sizeof short_name, "%s", month_names[tm->month - 1]);
        put_name(out, short_name, (int)(pattern - PAT_MON_UPPER), false, fill_mode);
        break;
    }
    case PAT_MM: put_signed2(out, tm->month, fill_mode, th_mode); break;
    case PAT_DAY_UPPER: case PAT_DAY_CAP: case PAT_DAY_LOWER:
        put_name(out, day_names[weekday], (int)(pattern - PAT_DAY_UPPER), true, fill_mode);
        break;
    case PAT_DY_UPPER: case PAT_DY_CAP: case PAT_DY_LOWER: {
        char short_name[4];
        snprintf(short_name, sizeof short_name, "%s", day_names[weekday]);
        put_name(out, short_name, (int)(pattern - PAT_DY_UPPER), false, fill_mode);
        break;
    }
    case PAT_DDD: {
        /* an interval's "day of year" counts 30-day months */
        int64_t days =
            value->is_interval ? ((int64_t)tm->year * 12 + tm->month) * 30 + tm->day : doy;
        put_number(out, days, 3, fill_mode, th_mode);
        break;
    }
    case PAT_IDDD:
        iso_fields(value, &iso_year, &iso_week_number, &iso_doy);
        put_number(out, iso_doy, 3, fill_mode, th_mode);
        break;
    case PAT_DD: put_number(out, tm->day, 2, fill_mode, th_mode); break;
    case PAT_D: put_number(out, weekday + 1, 0, true, th_mode); break;
    case PAT_ID: put_number(out, weekday == 0 ? 7 : weekday, 0, true, th_mode); break;
    case PAT_W: put_number(out, (tm->day - 1) / 7 + 1, 0, true, th_mode); break;
    case PAT_WW: put_number(out, (doy - 1) / 7 + 1, 2, fill_mode, th_mode); break;
    case PAT_IW:
        iso_fields(value, &iso_year, &iso_week_number, &iso_doy);
        put_number(out, iso_week_number, 2, fill_mode, th_mode);
        break;
    case PAT_J: put_number(out, value->days + DT_EPOCH_JULIAN, 0, true, th_mode); break;
    case PAT_Q:
        if (tm->month == 0) break;
        put_number(out, (tm->month - 1) / 3 + 1, 0, true, th_mode);
        break;
    case PAT_RM_UPPER: case PAT_RM_LOWER: {
        if (tm->month < 1) break;
        char roman[8];
        case_copy(roman, roman_months[tm->month - 1], pattern == PAT_RM_UPPER ? 0 : 2,
                  sizeof roman);
        if (fill_mode) snprintf(text, sizeof text, "%s", roman);
        else snprintf(text, sizeof text, "%-4s", roman);
        out_text(out, text);
        break;
    }
    default:
        return false;
    }
    return true;
}

static bool expand_zone(Out *out, Pattern pattern, const FmtValue *value, bool fill_mode,
                        int th_mode)
{
    char text[64];
    switch (pattern) {
    case PAT_TZ_UPPER: case PAT_TZ_LOWER:
        if (value->with_zone && value->abbrev != NULL) {
            case_copy(text, value->abbrev, pattern == PAT_TZ_UPPER ? 0 : 2, sizeof text);
            out_text(out, text);
        }
        break;
    case PAT_TZH: case PAT_TZM: case PAT_OF: {
        /* a timestamp without time zone prints offset zero */
        int32_t magnitude = value->offset < 0 ? -value->offset : value->offset;
        char sign = value->offset < 0 ? '-' : '+';
        int width = fill_mode ? 0 : 2;
        if (pattern == PAT_TZH) {
            snprintf(text, sizeof text, "%c%02d", sign, magnitude / 3600);
        } else if (pattern == PAT_TZM) {
            snprintf(text, sizeof text, "%02d", magnitude / 60 % 60);
        } else if (magnitude % 3600 != 0) {
            snprintf(text, sizeof text, "%c%0*d:%02d", sign, width, magnitude / 3600,
                     magnitude / 60 % 60);
        } else {
            snprintf(text, sizeof text, "%c%0*d", sign, width, magnitude / 3600);
        }
        out_text(out, text);
        break;
    }
    default:
        return false;
    }
    return true;
}

/* Patterns that need a calendar date or a zone, which an interval does not have. */
static bool needs_date(Pattern pattern)
{
    return (pattern >= PAT_IYYY && pattern <= PAT_I) ||
           (pattern >= PAT_DAY_UPPER && pattern <= PAT_DAY_LOWER) ||
           (pattern >= PAT_DY_UPPER && pattern <= PAT_DY_LOWER) || pattern == PAT_TZ_UPPER ||
           pattern == PAT_TZ_LOWER || pattern == PAT_TZH || pattern == PAT_TZM ||
           pattern == PAT_OF;
}

static Error *expand(Out *out, Pattern pattern, const FmtValue *value, bool fill_mode, int th_mode)
{
    if (value->is_interval && needs_date(pattern)) {
        return err_new(SQLSTATE_INVALID_DATETIME_FORMAT,
                       "invalid format specification for an interval value");
    }
    if (expand_time(out, pattern, value, fill_mode, th_mode)) return NULL;
    if (expand_year(out, pattern, value, fill_mode, th_mode)) return NULL;
    if (expand_date(out, pattern, value, fill_mode, th_mode)) return NULL;
    expand_zone(out, pattern, value, fill_mode, th_mode);
    return NULL;
}

static Error *format_value(const FmtValue *value, const char *format, char *buf, size_t buf_size)
{
    Out out = {buf, buf_size, 0, false};
    if (buf_size > 0) buf[0] = '\0';
    const char *cursor = format;
    while (*cursor != '\0') {
        bool fill_mode = false;
        if (strncasecmp_local(cursor, "FM", 2) && match_pattern(cursor + 2) != NULL) {
            fill_mode = true;
            cursor += 2;
        }
        const PatternName *name = match_pattern(cursor);
        if (name != NULL) {
            cursor += strlen(name->text);
            int th_mode = 0;
            if (strncmp(cursor, "TH", 2) == 0) th_mode = 2;
            else if (strncmp(cursor, "th", 2) == 0) th_mode = 1;
            if (th_mode != 0) cursor += 2;
            TRY(expand(&out, name->pattern, value, fill_mode, th_mode));
            continue;
        }
        char single[2] = {*cursor, '\0'};
        if (*cursor == '"') {
            cursor++;
            while (*cursor != '\0' && *cursor != '"') {
                if (*cursor == '\\' && cursor[1] == '"') cursor++;
                single[0] = *cursor++;
                out_text(&out, single);
            }
            if (*cursor == '"') cursor++;
            continue;
        }
        if (*cursor == '\\' && cursor[1] == '"') {
            cursor++;
            single[0] = *cursor;
        }
        out_text(&out, single);
        cursor++;
    }
    if (out.overflow) return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "to_char result is too long");
    return NULL;
}

Error *dt_timestamp_to_char(DtTimestamp value, bool with_zone, const DtSettings *settings,
                            const char *format, char *buf, size_t buf_size, bool *is_null_out)
{
    *is_null_out = !dt_timestamp_is_finite(value);
    if (*is_null_out) return NULL;
    FmtValue fmt = {.with_zone = with_zone};
    if (with_zone) {
        fmt.offset =
            dt_zone_offset_at(settings != NULL ? settings->zone : NULL, value, &fmt.abbrev);
        value += (int64_t)fmt.offset * DT_USECS_PER_SEC;
    }
    dt_timestamp_to_tm(value, &fmt.tm);
    fmt.hour = fmt.tm.hour;
    fmt.days = dt_floor_div(value, DT_USECS_PER_DAY);
    return format_value(&fmt, format, buf, buf_size);
}

Error *dt_interval_to_char(const DtInterval *value, const char *format, char *buf,
                           size_t buf_size)
{
    FmtValue fmt = {.is_interval = true};
    fmt.tm.year = value->month / 12;
    fmt.tm.month = value->month % 12;
    fmt.tm.day = value->day;
    fmt.hour = value->time / DT_USECS_PER_HOUR;
    int64_t rest = value->time % DT_USECS_PER_HOUR;
    fmt.tm.minute = (int)(rest / DT_USECS_PER_MINUTE);
    fmt.tm.second = (int)(rest / DT_USECS_PER_SEC % 60);
    fmt.tm.usec = (int32_t)(rest % DT_USECS_PER_SEC);
    return format_value(&fmt, format, buf, buf_size);
}
