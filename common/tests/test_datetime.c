/* common/tests/test_datetime.c: date/time values and time zones against PostgreSQL 15.
 *
 * test_dt_fixture_matches_postgresql replays datetime_cases.txt (expected outputs captured from
 * a PostgreSQL 15 server, see the file's header) without a server. The other tests cover what
 * the fixture cannot: 'now'/'today' against a fixed clock, malformed TZif bytes, the zone cache
 * under threads, and randomized output -> input round trips. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/datetime.h"
#include "common/tz.h"

enum { LINE_SIZE_MAX = 1024, ARG_COUNT_MAX = 12, FAILURE_PRINT_MAX = 60 };

static double test_scale(void)
{
    const char *env = getenv("BIRCH_TEST_SCALE");
    double scale = env != NULL ? atof(env) : 1.0;
    return scale > 0 ? scale : 1.0;
}

/* ---- fixture replay ---- */

typedef struct Case {
    const char *op;
    const char *zone;
    const char *style;
    const char *args[ARG_COUNT_MAX];
    int         arg_count;
    const char *expected;
} Case;

static void set_error(char *out, Error *err)
{
    snprintf(out, LINE_SIZE_MAX, "!%s %s", sqlstate_code(err->state), err->message);
    err_free(err);
}

static double parse_double(const char *text)
{
    if (strstr(text, "infinity") != NULL) return text[0] == '-' ? -INFINITY : INFINITY;
    if (strcmp(text, "nan") == 0) return NAN;
    return strtod(text, NULL);
}

static void apply_style(const char *style, DtSettings *settings)
{
    if (strncmp(style, "is:", 3) == 0) {
        const char *name = style + 3;
        if (strcmp(name, "postgres_verbose") == 0) {
            settings->interval_style = DT_INTERVALSTYLE_POSTGRES_VERBOSE;
        } else if (strcmp(name, "sql_standard") == 0) {
            settings->interval_style = DT_INTERVALSTYLE_SQL_STANDARD;
        } else if (strcmp(name, "iso_8601") == 0) {
            settings->interval_style = DT_INTERVALSTYLE_ISO_8601;
        }
    } else if (strncmp(style, "ds:", 3) == 0) {
        const char *name = style + 3;
        if (strncmp(name, "SQL", 3) == 0) settings->date_style = DT_DATESTYLE_SQL;
        else if (strncmp(name, "Postgres", 8) == 0) settings->date_style = DT_DATESTYLE_POSTGRES;
        else if (strncmp(name, "German", 6) == 0) settings->date_style = DT_DATESTYLE_GERMAN;
        if (strstr(name, "DMY") != NULL || strncmp(name, "German", 6) == 0) {
            settings->date_order = DT_DATEORDER_DMY;
        }
        if (strstr(name, "YMD") != NULL) settings->date_order = DT_DATEORDER_YMD;
    }
}

static void out_number(const DtNumber *number, char *out)
{
    snprintf(out, LINE_SIZE_MAX, "%s", number->is_null ? "NULL" : number->text);
}

/* Evaluate one case into out (text, "NULL" or "!CODE message"). */
static Error *eval_inputs(const Case *item, const DtSettings *settings, char *out)
{
    const char *op = item->op;
    const char *arg0 = item->args[0];
    if (strcmp(op, "in_date") == 0) {
        DtDate value;
        TRY(dt_date_in(arg0, settings, &value));
        dt_date_out(value, settings, out);
    } else if (strcmp(op, "in_time") == 0 || strcmp(op, "in_time_p") == 0) {
        bool typmod = strcmp(op, "in_time_p") == 0;
        DtTime value;
        TRY(dt_time_in(item->args[typmod ? 1 : 0], settings, typmod ? atoi(arg0) : -1, &value));
        dt_time_out(value, out);
    } else if (strcmp(op, "in_timestamp") == 0 || strcmp(op, "in_timestamp_p") == 0) {
        bool typmod = strcmp(op, "in_timestamp_p") == 0;
        DtTimestamp value;
        TRY(dt_timestamp_in(item->args[typmod ? 1 : 0], settings, typmod ? atoi(arg0) : -1,
                            &value));
        dt_timestamp_out(value, settings, out);
    } else if (strcmp(op, "in_timestamptz") == 0 || strcmp(op, "in_timestamptz_p") == 0 ||
               strcmp(op, "tz_setting") == 0) {
        bool typmod = strcmp(op, "in_timestamptz_p") == 0;
        DtTimestamp value;
        TRY(dt_timestamptz_in(item->args[typmod ? 1 : 0], settings, typmod ? atoi(arg0) : -1,
                              &value));
        dt_timestamptz_out(value, settings, out);
    } else if (strcmp(op, "in_interval_range") == 0 || strcmp(op, "cast_interval_range") == 0) {
        static const struct {
            const char *name;
            int         range;
        } ranges[] = {
            {"year", DT_INTERVAL_MASK_YEAR},
            {"month", DT_INTERVAL_MASK_MONTH},
            {"day", DT_INTERVAL_MASK_DAY},
            {"hour", DT_INTERVAL_MASK_HOUR},
            {"minute", DT_INTERVAL_MASK_MINUTE},
            {"second", DT_INTERVAL_MASK_SECOND},
            {"year to month", DT_INTERVAL_MASK_YEAR | DT_INTERVAL_MASK_MONTH},
            {"day to hour", DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR},
            {"day to minute",
             DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE},
            {"day to second", DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR |
                                  DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND},
            {"hour to minute", DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE},
            {"hour to second",
             DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND},
            {"minute to second", DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND},
        };
        int range = DT_INTERVAL_RANGE_FULL;
        for (size_t range_idx = 0; range_idx < sizeof ranges / sizeof ranges[0]; range_idx++) {
            if (strcmp(ranges[range_idx].name, arg0) == 0) range = ranges[range_idx].range;
        }
        int precision = item->args[1][0] != '\0' ? atoi(item->args[1]) : -1;
        DtInterval value;
        if (op[0] == 'i') {
            TRY(dt_interval_in_range(item->args[2], settings, range, precision, &value));
        } else {
            TRY(dt_interval_in(item->args[2], settings, -1, &value));
            TRY(dt_interval_apply_typmod(&value, range, precision, &value));
        }
        dt_interval_out(&value, settings, out);
    } else if (strcmp(op, "in_interval") == 0 || strcmp(op, "in_interval_p") == 0) {
        bool typmod = strcmp(op, "in_interval_p") == 0;
        DtInterval value;
        TRY(dt_interval_in(item->args[typmod ? 1 : 0], settings, typmod ? atoi(arg0) : -1, &value));
        dt_interval_out(&value, settings, out);
    } else {
        return err_new(SQLSTATE_INTERNAL_ERROR, "unknown op %s", op);
    }
    return NULL;
}

static Error *eval_arith(const Case *item, const DtSettings *settings, char *out, bool *handled)
{
    const char *op = item->op;
    const char *const *args = item->args;
    const TzZone *zone = settings->zone;
    *handled = true;
    DtDate date;
    DtDate date2;
    DtTimestamp ts;
    DtTimestamp ts2;
    DtInterval iv;
    DtInterval iv2;
    if (strcmp(op, "date_add") == 0 || strcmp(op, "date_sub") == 0) {
        TRY(dt_date_in(args[0], settings, &date));
        int32_t days = (int32_t)atoll(args[1]);
        if (op[5] == 'a') TRY(dt_date_add_days(date, days, &date));
        else TRY(dt_date_sub_days(date, days, &date));
        dt_date_out(date, settings, out);
    } else if (strcmp(op, "date_diff") == 0) {
        int32_t days;
        TRY(dt_date_in(args[0], settings, &date));
        TRY(dt_date_in(args[1], settings, &date2));
        TRY(dt_date_diff(date, date2, &days));
        snprintf(out, LINE_SIZE_MAX, "%d", days);
    } else if (strncmp(op, "ts_add", 6) == 0 || strncmp(op, "ts_sub", 6) == 0) {
        TRY(dt_timestamp_in(args[0], settings, -1, &ts));
        TRY(dt_interval_in(args[1], settings, -1, &iv));
        if (op[3] == 'a') TRY(dt_timestamp_add_interval(ts, &iv, &ts));
        else TRY(dt_timestamp_sub_interval(ts, &iv, &ts));
        dt_timestamp_out(ts, settings, out);
    } else if (strcmp(op, "tstz_add") == 0 || strcmp(op, "tstz_sub") == 0) {
        TRY(dt_timestamptz_in(args[0], settings, -1, &ts));
        TRY(dt_interval_in(args[1], settings, -1, &iv));
        if (op[5] == 'a') TRY(dt_timestamptz_add_interval(ts, &iv, zone, &ts));
        else TRY(dt_timestamptz_sub_interval(ts, &iv, zone, &ts));
        dt_timestamptz_out(ts, settings, out);
    } else if (strcmp(op, "ts_diff") == 0 || strcmp(op, "age_ts") == 0) {
        TRY(dt_timestamp_in(args[0], settings, -1, &ts));
        TRY(dt_timestamp_in(args[1], settings, -1, &ts2));
        if (op[0] == 't') TRY(dt_timestamp_diff(ts, ts2, &iv));
        else TRY(dt_timestamp_age(ts, ts2, &iv));
        dt_interval_out(&iv, settings, out);
    } else if (strcmp(op, "tstz_diff") == 0 || strcmp(op, "age_tstz") == 0) {
        TRY(dt_timestamptz_in(args[0], settings, -1, &ts));
        TRY(dt_timestamptz_in(args[1], settings, -1, &ts2));
        if (op[0] == 't') TRY(dt_timestamp_diff(ts, ts2, &iv));
        else TRY(dt_timestamptz_age(ts, ts2, zone, &iv));
        dt_interval_out(&iv, settings, out);
    } else if (strncmp(op, "iv_", 3) == 0) {
        TRY(dt_interval_in(args[0], settings, -1, &iv));
        if (strcmp(op, "iv_mul") == 0) {
            TRY(dt_interval_mul(&iv, parse_double(args[1]), &iv));
        } else if (strcmp(op, "iv_div") == 0) {
            TRY(dt_interval_div(&iv, parse_double(args[1]), &iv));
        } else {
            TRY(dt_interval_in(args[1], settings, -1, &iv2));
            if (strcmp(op, "iv_cmp") == 0) {
                snprintf(out, LINE_SIZE_MAX, "%d", dt_interval_cmp(&iv, &iv2));
                return NULL;
            }
            if (strcmp(op, "iv_add") == 0) TRY(dt_interval_add(&iv, &iv2, &iv));
            else TRY(dt_interval_sub(&iv, &iv2, &iv));
        }
        dt_interval_out(&iv, settings, out);
    } else if (strncmp(op, "justify_", 8) == 0) {
        TRY(dt_interval_in(args[0], settings, -1, &iv));
        if (strcmp(op, "justify_days") == 0) TRY(dt_interval_justify_days(&iv, &iv));
        else if (strcmp(op, "justify_hours") == 0) TRY(dt_interval_justify_hours(&iv, &iv));
        else TRY(dt_interval_justify_interval(&iv, &iv));
        dt_interval_out(&iv, settings, out);
    } else if (strcmp(op, "time_add") == 0) {
        DtTime time;
        TRY(dt_time_in(args[0], settings, -1, &time));
        TRY(dt_interval_in(args[1], settings, -1, &iv));
        dt_time_out(dt_time_add_interval(time, &iv), out);
    } else {
        *handled = false;
    }
    return NULL;
}

static Error *eval_functions(const Case *item, const DtSettings *settings, char *out, bool *handled)
{
    const char *op = item->op;
    const char *const *args = item->args;
    const TzZone *zone = settings->zone;
    *handled = true;
    DtNumber number;
    DtDate date;
    DtTimestamp ts;
    DtInterval iv;
    DtTime time;
    if (strcmp(op, "extract_date") == 0) {
        TRY(dt_date_in(args[1], settings, &date));
        TRY(dt_date_extract(args[0], date, &number));
        out_number(&number, out);
    } else if (strcmp(op, "extract_time") == 0) {
        TRY(dt_time_in(args[1], settings, -1, &time));
        TRY(dt_time_extract(args[0], time, &number));
        out_number(&number, out);
    } else if (strcmp(op, "extract_ts") == 0 || strcmp(op, "datepart_ts") == 0) {
        TRY(dt_timestamp_in(args[1], settings, -1, &ts));
        TRY(dt_timestamp_extract(args[0], ts, &number));
        out_number(&number, out);
        if (op[0] == 'd' && !number.is_null) snprintf(out, LINE_SIZE_MAX, "%.17g", number.value);
    } else if (strcmp(op, "extract_tstz") == 0) {
        TRY(dt_timestamptz_in(args[1], settings, -1, &ts));
        TRY(dt_timestamptz_extract(args[0], ts, zone, &number));
        out_number(&number, out);
    } else if (strcmp(op, "extract_iv") == 0) {
        TRY(dt_interval_in(args[1], settings, -1, &iv));
        TRY(dt_interval_extract(args[0], &iv, &number));
        out_number(&number, out);
    } else if (strcmp(op, "trunc_ts") == 0) {
        TRY(dt_timestamp_in(args[1], settings, -1, &ts));
        TRY(dt_timestamp_trunc(args[0], ts, &ts));
        dt_timestamp_out(ts, settings, out);
    } else if (strcmp(op, "trunc_tstz") == 0 || strcmp(op, "trunc_tstz_zone") == 0) {
        TRY(dt_timestamptz_in(args[1], settings, -1, &ts));
        const TzZone *trunc_zone = zone;
        if (op[10] == '_') TRY(dt_zone_resolve(args[2], &trunc_zone));
        TRY(dt_timestamptz_trunc(args[0], ts, trunc_zone, &ts));
        dt_timestamptz_out(ts, settings, out);
    } else if (strcmp(op, "trunc_iv") == 0) {
        TRY(dt_interval_in(args[1], settings, -1, &iv));
        TRY(dt_interval_trunc(args[0], &iv, &iv));
        dt_interval_out(&iv, settings, out);
    } else if (strcmp(op, "to_char_ts") == 0 || strcmp(op, "to_char_tstz") == 0) {
        bool with_zone = strcmp(op, "to_char_tstz") == 0;
        bool is_null;
        if (with_zone) TRY(dt_timestamptz_in(args[1], settings, -1, &ts));
        else TRY(dt_timestamp_in(args[1], settings, -1, &ts));
        TRY(dt_timestamp_to_char(ts, with_zone, settings, args[0], out, LINE_SIZE_MAX, &is_null));
        if (is_null) snprintf(out, LINE_SIZE_MAX, "NULL");
    } else if (strcmp(op, "to_char_iv") == 0) {
        TRY(dt_interval_in(args[1], settings, -1, &iv));
        TRY(dt_interval_to_char(&iv, args[0], out, LINE_SIZE_MAX));
    } else {
        *handled = false;
    }
    return NULL;
}

static Error *eval_make(const Case *item, const DtSettings *settings, char *out, bool *handled)
{
    const char *op = item->op;
    const char *const *args = item->args;
    *handled = true;
    DtDate date;
    DtTimestamp ts;
    DtInterval iv;
    DtTime time;
    if (strcmp(op, "make_date") == 0) {
        TRY(dt_make_date(atoi(args[0]), atoi(args[1]), atoi(args[2]), &date));
        dt_date_out(date, settings, out);
    } else if (strcmp(op, "make_time") == 0) {
        TRY(dt_make_time(atoi(args[0]), atoi(args[1]), parse_double(args[2]), &time));
        dt_time_out(time, out);
    } else if (strcmp(op, "make_timestamp") == 0) {
        TRY(dt_make_timestamp(atoi(args[0]), atoi(args[1]), atoi(args[2]), atoi(args[3]),
                              atoi(args[4]), parse_double(args[5]), &ts));
        dt_timestamp_out(ts, settings, out);
    } else if (strcmp(op, "make_timestamptz") == 0) {
        const TzZone *make_zone;
        DtTimestamp local;
        TRY(dt_make_timestamp(atoi(args[0]), atoi(args[1]), atoi(args[2]), atoi(args[3]),
                              atoi(args[4]), parse_double(args[5]), &local));
        TRY(dt_zone_resolve_iso(args[6], &make_zone));
        TRY(dt_timestamp_to_timestamptz(local, make_zone, &ts));
        dt_timestamptz_out(ts, settings, out);
    } else if (strcmp(op, "make_interval") == 0) {
        TRY(dt_make_interval(atoi(args[0]), atoi(args[1]), atoi(args[2]), atoi(args[3]),
                             atoi(args[4]), atoi(args[5]), parse_double(args[6]), &iv));
        dt_interval_out(&iv, settings, out);
    } else {
        *handled = false;
    }
    return NULL;
}

static Error *eval_casts(const Case *item, const DtSettings *settings, char *out, bool *handled)
{
    const char *op = item->op;
    const char *const *args = item->args;
    const TzZone *zone = settings->zone;
    *handled = true;
    DtDate date;
    DtTimestamp ts;
    DtTime time;
    if (strcmp(op, "date_to_ts") == 0 || strcmp(op, "date_to_tstz") == 0) {
        TRY(dt_date_in(args[0], settings, &date));
        if (op[10] == 't') {
            TRY(dt_date_to_timestamptz(date, zone, &ts));
            dt_timestamptz_out(ts, settings, out);
        } else {
            TRY(dt_date_to_timestamp(date, &ts));
            dt_timestamp_out(ts, settings, out);
        }
    } else if (strncmp(op, "ts_to_", 6) == 0) {
        TRY(dt_timestamp_in(args[0], settings, -1, &ts));
        if (strcmp(op, "ts_to_date") == 0) {
            TRY(dt_timestamp_to_date(ts, &date));
            dt_date_out(date, settings, out);
        } else if (strcmp(op, "ts_to_tstz") == 0) {
            TRY(dt_timestamp_to_timestamptz(ts, zone, &ts));
            dt_timestamptz_out(ts, settings, out);
        } else if (dt_timestamp_to_time(ts, &time)) {
            dt_time_out(time, out);
        } else {
            snprintf(out, LINE_SIZE_MAX, "NULL");
        }
    } else if (strncmp(op, "tstz_to_", 8) == 0) {
        TRY(dt_timestamptz_in(args[0], settings, -1, &ts));
        if (strcmp(op, "tstz_to_date") == 0) {
            TRY(dt_timestamptz_to_date(ts, zone, &date));
            dt_date_out(date, settings, out);
        } else if (strcmp(op, "tstz_to_ts") == 0) {
            TRY(dt_timestamptz_to_timestamp(ts, zone, &ts));
            dt_timestamp_out(ts, settings, out);
        } else if (dt_timestamptz_to_time(ts, zone, &time)) {
            dt_time_out(time, out);
        } else {
            snprintf(out, LINE_SIZE_MAX, "NULL");
        }
    } else if (strcmp(op, "at_zone_ts") == 0 || strcmp(op, "at_zone_tstz") == 0) {
        const TzZone *at_zone;
        bool from_tz = strcmp(op, "at_zone_tstz") == 0;
        if (from_tz) TRY(dt_timestamptz_in(args[0], settings, -1, &ts));
        else TRY(dt_timestamp_in(args[0], settings, -1, &ts));
        /* like PostgreSQL, an infinite value is returned before the zone is looked up */
        at_zone = NULL;
        if (dt_timestamp_is_finite(ts)) TRY(dt_zone_resolve(args[1], &at_zone));
        if (from_tz) {
            TRY(dt_timestamptz_at_zone(ts, at_zone, &ts));
            dt_timestamp_out(ts, settings, out);
        } else {
            TRY(dt_timestamp_at_zone(ts, at_zone, &ts));
            dt_timestamptz_out(ts, settings, out);
        }
    } else {
        *handled = false;
    }
    return NULL;
}

static void eval_case(const Case *item, char *out)
{
    DtSettings settings = {0};
    Error *err = tz_load_setting(item->zone, &settings.zone);
    if (err != NULL) {
        set_error(out, err);
        return;
    }
    apply_style(item->style, &settings);
    bool handled = false;
    err = eval_arith(item, &settings, out, &handled);
    if (err == NULL && !handled) err = eval_functions(item, &settings, out, &handled);
    if (err == NULL && !handled) err = eval_make(item, &settings, out, &handled);
    if (err == NULL && !handled) err = eval_casts(item, &settings, out, &handled);
    if (err == NULL && !handled) err = eval_inputs(item, &settings, out);
    if (err != NULL) set_error(out, err);
}

static bool results_match(const Case *item, const char *actual)
{
    if (strcmp(actual, item->expected) == 0) return true;
    if (strcmp(item->op, "datepart_ts") == 0 && item->expected[0] != '!') {
        double expected = strtod(item->expected, NULL);
        double got = strtod(actual, NULL);
        return fabs(expected - got) <= 1e-12 * fmax(1.0, fabs(expected));
    }
    return false;
}

static const char *fixture_path(char *buf, size_t size)
{
    const char *env = getenv("BIRCH_DATETIME_CASES");
    if (env != NULL) return env;
    snprintf(buf, size, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash == NULL) return "datetime_cases.txt";
    snprintf(slash + 1, size - (size_t)(slash + 1 - buf), "datetime_cases.txt");
    return buf;
}

START_TEST(test_dt_fixture_matches_postgresql)
{
    char path[LINE_SIZE_MAX];
    FILE *file = fopen(fixture_path(path, sizeof path), "r");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    char line[LINE_SIZE_MAX];
    char fixture_tzdata[LINE_SIZE_MAX] = "unknown tzdata";
    int case_count = 0;
    int failure_count = 0;
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, "# tzdata ", 9) == 0) {
            snprintf(fixture_tzdata, sizeof fixture_tzdata, "%s", line + 2);
            fixture_tzdata[strcspn(fixture_tzdata, "\n")] = '\0';
        }
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\n")] = '\0';
        char *fields[ARG_COUNT_MAX + 4];
        int field_count = 0;
        char *cursor = line;
        while (field_count < ARG_COUNT_MAX + 4) {
            fields[field_count++] = cursor;
            char *tab = strchr(cursor, '\t');
            if (tab == NULL) break;
            *tab = '\0';
            cursor = tab + 1;
        }
        ck_assert_int_ge(field_count, 5);
        Case item = {.op = fields[0], .zone = fields[1], .style = fields[2],
                     .expected = fields[field_count - 1], .arg_count = field_count - 4};
        for (int arg_idx = 0; arg_idx < item.arg_count; arg_idx++) {
            item.args[arg_idx] = fields[3 + arg_idx];
        }
        char actual[LINE_SIZE_MAX];
        eval_case(&item, actual);
        case_count++;
        if (!results_match(&item, actual)) {
            if (failure_count < FAILURE_PRINT_MAX) {
                fprintf(stderr, "MISMATCH %s [%s|%s] %s%s%s => got '%s' want '%s'\n", item.op,
                        item.zone, item.style, item.args[0], item.arg_count > 1 ? " , " : "",
                        item.arg_count > 1 ? item.args[1] : "", actual, item.expected);
            }
            failure_count++;
        }
    }
    fclose(file);
    fprintf(stderr, "datetime fixture: %d cases, %d mismatches\n", case_count, failure_count);
    if (failure_count > 0) {
        /* zone rules change with tzdata releases: say so when the fixture is from another one */
        char system_version[LINE_SIZE_MAX] = "";
        FILE *tzdata = fopen("/usr/share/zoneinfo/tzdata.zi", "r");
        if (tzdata != NULL) {
            if (fgets(system_version, sizeof system_version, tzdata) == NULL) system_version[0] = 0;
            fclose(tzdata);
        }
        fprintf(stderr, "fixture made with %s; system tzdata: %s(regenerate with "
                        "datetime_cases_gen.py if they differ)\n",
                fixture_tzdata, system_version);
    }
    ck_assert_int_gt(case_count, 1000);
    ck_assert_int_eq(failure_count, 0);
}
END_TEST

/* ---- clock-relative inputs ---- */

START_TEST(test_dt_now_today_use_settings_clock)
{
    DtSettings settings = {0};
    ck_assert_ptr_null(tz_load("America/New_York", &settings.zone));
    /* 2024-06-15 02:30:00 UTC = 2024-06-14 22:30 in New York */
    ck_assert_ptr_null(dt_timestamptz_in("2024-06-15 02:30:00+00", NULL, -1, &settings.now));
    char buf[DT_TEXT_SIZE_MAX];
    DtDate date;
    DtTimestamp ts;
    ck_assert_ptr_null(dt_date_in("today", &settings, &date));
    dt_date_out(date, &settings, buf);
    ck_assert_str_eq(buf, "2024-06-14");
    ck_assert_ptr_null(dt_date_in("tomorrow", &settings, &date));
    dt_date_out(date, &settings, buf);
    ck_assert_str_eq(buf, "2024-06-15");
    ck_assert_ptr_null(dt_timestamp_in("yesterday 13:00", &settings, -1, &ts));
    dt_timestamp_out(ts, &settings, buf);
    ck_assert_str_eq(buf, "2024-06-13 13:00:00");
    ck_assert_ptr_null(dt_timestamptz_in("now", &settings, -1, &ts));
    ck_assert_int_eq(ts, settings.now);
    ck_assert_ptr_null(dt_timestamp_in("now", &settings, -1, &ts));
    dt_timestamp_out(ts, &settings, buf);
    ck_assert_str_eq(buf, "2024-06-14 22:30:00");
    ck_assert_ptr_null(dt_timestamptz_in("today", &settings, -1, &ts));
    dt_timestamptz_out(ts, &settings, buf);
    ck_assert_str_eq(buf, "2024-06-14 00:00:00-04");
    Error *err = dt_timestamp_in("now 12:00", &settings, -1, &ts);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "22007");
    err_free(err);
}
END_TEST

/* ---- where birch deliberately differs from PostgreSQL 15 ---- */

START_TEST(test_dt_overflow_is_an_error_not_a_wrap)
{
    /* PostgreSQL 15 wraps around int64 here (fixed in 16); birch reports the overflow */
    DtTimestamp high;
    DtTimestamp low;
    DtInterval result;
    ck_assert_ptr_null(dt_timestamp_in("294276-12-31", NULL, -1, &high));
    ck_assert_ptr_null(dt_timestamp_in("4000-11-24 BC", NULL, -1, &low));
    Error *err = dt_timestamp_diff(high, low, &result);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err->message, "interval out of range");
    ck_assert_str_eq(sqlstate_code(err->state), "22008");
    err_free(err);
    /* PostgreSQL 15 returns garbage for age() of an infinite timestamp */
    err = dt_timestamp_age(DT_TIMESTAMP_NOEND, high, &result);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err->message, "cannot subtract infinite timestamps");
    err_free(err);
    err = dt_make_interval(178956971, 0, 0, 0, 0, 0, 0, &result);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err->message, "interval out of range");
    err_free(err);
}
END_TEST

START_TEST(test_dt_api_helpers)
{
    DtDate date;
    int year;
    int month;
    int day;
    ck_assert_ptr_null(dt_date_from_ymd(2000, 1, 1, &date));
    ck_assert_int_eq(date, 0);
    ck_assert_ptr_null(dt_date_from_ymd(-43, 3, 15, &date)); /* 44 BC */
    dt_date_to_ymd(date, &year, &month, &day);
    ck_assert_int_eq(year, -43);
    ck_assert_int_eq(month, 3);
    ck_assert_int_eq(day, 15);
    Error *err = dt_date_from_ymd(5874898, 1, 1, &date);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    DtInterval month_span = {0, 0, 1};
    DtInterval days_span = {0, 30, 0};
    DtInterval hours_span = {720 * INT64_C(3600000000), 0, 0};
    ck_assert_int_eq(dt_interval_cmp(&month_span, &days_span), 0);
    ck_assert_int_eq(dt_interval_cmp(&days_span, &hours_span), 0);
    DtInterval huge = {INT64_MAX, INT32_MAX, INT32_MAX};
    ck_assert_int_eq(dt_interval_cmp(&huge, &month_span), 1); /* no overflow in the compare */
    DtNumber number;
    DtTimestamp ts;
    ck_assert_ptr_null(dt_timestamp_in("2024-02-29 13:45:30.25", NULL, -1, &ts));
    ck_assert_ptr_null(dt_timestamp_extract("second", ts, &number));
    ck_assert_str_eq(number.text, "30.250000");
    ck_assert(number.value == 30.25);
    ck_assert_ptr_null(dt_timestamp_extract("EPOCH", ts, &number));
    ck_assert(number.value == 1709214330.25);
    ck_assert_int_eq(dt_time_round(INT64_C(45296500000), 0), INT64_C(45297000000));
    DtUnit unit;
    dt_unit_parse("Hours", &unit); /* parsed once, used per row */
    ck_assert_ptr_null(dt_timestamp_extract_unit(&unit, ts, &number));
    ck_assert_str_eq(number.text, "13");
    DtTimestamp truncated;
    ck_assert_ptr_null(dt_timestamp_trunc_unit(&unit, ts, &truncated));
    ck_assert_int_eq(truncated % INT64_C(3600000000), 0);
    dt_unit_parse("fortnight", &unit);
    err = dt_timestamp_extract_unit(&unit, ts, &number);
    ck_assert_str_eq(err->message,
                     "unit \"fortnight\" not recognized for type timestamp without time zone");
    err_free(err);
    char small[8];
    bool is_null;
    err = dt_timestamp_to_char(ts, false, NULL, "YYYY-MM-DD HH24:MI:SS", small, sizeof small,
                               &is_null);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "54000");
    err_free(err);
    ck_assert_ptr_null(dt_timestamp_to_char(DT_TIMESTAMP_NOEND, false, NULL, "YYYY", small,
                                            sizeof small, &is_null));
    ck_assert(is_null);
    DtTime time;
    ck_assert(!dt_timestamp_to_time(DT_TIMESTAMP_NOBEGIN, &time));
    err = dt_interval_div(&month_span, 0.0, &month_span);
    ck_assert_str_eq(sqlstate_code(err->state), "22012");
    err_free(err);
}
END_TEST

/* ---- time zones ---- */

static uint8_t *read_whole(const char *path, size_t *size_out)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    uint8_t *data = malloc(1 << 20);
    *size_out = fread(data, 1, 1 << 20, file);
    fclose(file);
    return data;
}

START_TEST(test_tz_rejects_corrupt_tzif)
{
    size_t size;
    uint8_t *data = read_whole("/usr/share/zoneinfo/America/New_York", &size);
    ck_assert_ptr_nonnull(data);
    TzZone *zone = NULL;
    ck_assert_ptr_null(tz_parse_tzif("ny", data, size, &zone));
    ck_assert_int_eq(tz_offset_at(zone, 1720000000, NULL, NULL), -4 * 3600);
    tz_free(zone);
    /* every truncation is either an error or a valid zone; never a crash */
    int error_count = 0;
    for (size_t cut = 0; cut < size; cut += (size_t)(1 + 7 / test_scale())) {
        zone = NULL;
        Error *err = tz_parse_tzif("cut", data, cut, &zone);
        if (err != NULL) {
            ck_assert_str_eq(sqlstate_code(err->state), "XX001");
            err_free(err);
            error_count++;
        } else {
            tz_offset_at(zone, 0, NULL, NULL);
            tz_free(zone);
        }
    }
    ck_assert_int_gt(error_count, 10);
    /* random byte flips */
    unsigned seed = 12345;
    int flip_count = (int)(2000 * test_scale());
    for (int flip_idx = 0; flip_idx < flip_count; flip_idx++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        for (int byte_idx = 0; byte_idx < 4; byte_idx++) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % size] ^= (uint8_t)(seed >> 20);
        }
        zone = NULL;
        Error *err = tz_parse_tzif("flip", copy, size, &zone);
        if (err != NULL) {
            err_free(err);
        } else {
            for (int64_t probe = -4000000000LL; probe < 8000000000LL; probe += 700000000LL) {
                tz_offset_at(zone, probe, NULL, NULL);
                tz_local_offset(zone, probe, NULL);
            }
            tz_free(zone);
        }
        free(copy);
    }
    Error *err = tz_parse_tzif("empty", (const uint8_t *)"TZif", 4, &zone);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    free(data);
}
END_TEST

static void put_be32(uint8_t *dst, uint32_t value)
{
    for (int byte_idx = 0; byte_idx < 4; byte_idx++) {
        dst[byte_idx] = (uint8_t)(value >> (24 - 8 * byte_idx));
    }
}

START_TEST(test_tz_parses_version1_and_posix_rules)
{
    /* a hand-made version 1 file: one transition at the Unix epoch from AAA (-1h) to BBB (+1h) */
    uint8_t file[44 + 4 + 1 + 12 + 8];
    memset(file, 0, sizeof file);
    memcpy(file, "TZif", 4);
    put_be32(file + 20 + 12, 1); /* timecnt */
    put_be32(file + 20 + 16, 2); /* typecnt */
    put_be32(file + 20 + 20, 8); /* charcnt */
    uint8_t *body = file + 44;
    put_be32(body, 0);
    body[4] = 1;
    put_be32(body + 5, (uint32_t)-3600);
    body[9] = 0, body[10] = 0;
    put_be32(body + 11, 3600);
    body[15] = 1, body[16] = 4;
    memcpy(body + 17, "AAA\0BBB\0", 8);
    TzZone *zone = NULL;
    ck_assert_ptr_null(tz_parse_tzif("v1", file, sizeof file, &zone));
    const char *abbrev;
    bool is_dst;
    ck_assert_int_eq(tz_offset_at(zone, -10, &is_dst, &abbrev), -3600);
    ck_assert_str_eq(abbrev, "AAA");
    ck_assert_int_eq(tz_offset_at(zone, 10, &is_dst, &abbrev), 3600);
    ck_assert(is_dst);
    ck_assert_str_eq(abbrev, "BBB");
    int64_t boundary;
    int32_t before;
    int32_t after;
    ck_assert(tz_next_transition(zone, -100, &boundary, &before, &after));
    ck_assert_int_eq(boundary, 0);
    ck_assert_int_eq(before, -3600);
    ck_assert_int_eq(after, 3600);
    ck_assert(!tz_next_transition(zone, 0, &boundary, NULL, NULL));
    /* the local hour skipped at the transition (23:00..01:00 local) maps like PostgreSQL */
    ck_assert_int_eq(tz_local_offset(zone, 0, NULL), -3600);
    tz_free(zone);
    /* type index out of range */
    body[4] = 2;
    Error *err = tz_parse_tzif("bad", file, sizeof file, &zone);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    err_free(err);
    /* southern hemisphere rule: DST from October to April */
    TzZone *south = NULL;
    ck_assert_ptr_null(tz_parse_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", &south));
    ck_assert_int_eq(tz_offset_at(south, 4102444800LL, NULL, NULL), 11 * 3600); /* 2100-01-01 */
    ck_assert_int_eq(tz_offset_at(south, 4118000000LL, NULL, NULL), 10 * 3600); /* 2100-06-29 */
    tz_free(south);
}
END_TEST

START_TEST(test_tz_load_errors_and_names)
{
    const TzZone *zone;
    Error *err = tz_load("America/Nowhere", &zone);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "22023");
    ck_assert_str_eq(err->message, "time zone \"America/Nowhere\" not recognized");
    err_free(err);
    err = tz_load("../etc/passwd", &zone);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    err = tz_load("zone.tab", &zone); /* a file in the zoneinfo directory that is not TZif */
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "22023");
    err_free(err);
    err = tz_load("America", &zone); /* a directory */
    ck_assert_ptr_nonnull(err);
    err_free(err);
    err = tz_load_setting("foo", &zone);
    ck_assert_str_eq(err->message, "invalid value for parameter \"TimeZone\": \"foo\"");
    err_free(err);
    ck_assert_ptr_null(tz_load("america/NEW_york", &zone));
    const TzZone *again;
    ck_assert_ptr_null(tz_load("America/New_York", &again));
    ck_assert_int_eq(tz_offset_at(zone, 1700000000, NULL, NULL),
                     tz_offset_at(again, 1700000000, NULL, NULL));
    const char *abbrev;
    bool is_dst;
    ck_assert_int_eq(tz_offset_at(zone, 1720000000, &is_dst, &abbrev), -14400);
    ck_assert(is_dst);
    ck_assert_str_eq(abbrev, "EDT");
    /* 2100 is past the table: the POSIX footer rule answers */
    ck_assert_int_eq(tz_offset_at(zone, 4118000000LL, NULL, NULL), -14400); /* 2100-06-29 */
    ck_assert_int_eq(tz_offset_at(zone, 4102444800LL, NULL, NULL), -18000); /* 2100-01-01 */
    int32_t offset;
    ck_assert(!tz_fixed_offset(zone, &offset));
    ck_assert_ptr_null(tz_load("Etc/GMT+3", &zone));
    ck_assert(tz_fixed_offset(zone, &offset));
    ck_assert_int_eq(offset, -3 * 3600);
    ck_assert_ptr_null(tz_load("+05:30", &zone));
    ck_assert_int_eq(tz_offset_at(zone, 0, NULL, NULL), -(5 * 3600 + 1800));
    ck_assert(tz_abbrev_lookup("cest", &offset, &is_dst));
    ck_assert_int_eq(offset, 7200);
    ck_assert(!tz_abbrev_lookup("nosuch", &offset, NULL));
    TzZone *posix = NULL;
    err = tz_parse_posix("EST5EDT,M3.2.0,M13.1.0", &posix);
    ck_assert_ptr_nonnull(err);
    err_free(err);
}
END_TEST

static void *load_many(void *arg)
{
    static const char *const names[] = {"Europe/Paris", "Asia/Tokyo", "America/Chicago",
                                        "Australia/Perth", "Africa/Cairo", "UTC"};
    long *fail_count = arg;
    for (int round = 0; round < 200; round++) {
        const TzZone *zone;
        Error *err = tz_load(names[round % 6], &zone);
        if (err != NULL) {
            err_free(err);
            __atomic_add_fetch(fail_count, 1, __ATOMIC_RELAXED);
        } else {
            tz_offset_at(zone, 1700000000, NULL, NULL);
        }
    }
    return NULL;
}

START_TEST(test_tz_cache_is_thread_safe)
{
    pthread_t threads[4];
    long fail_count = 0;
    for (int thread_idx = 0; thread_idx < 4; thread_idx++) {
        pthread_create(&threads[thread_idx], NULL, load_many, &fail_count);
    }
    for (int thread_idx = 0; thread_idx < 4; thread_idx++) pthread_join(threads[thread_idx], NULL);
    ck_assert_int_eq(fail_count, 0);
}
END_TEST

/* ---- randomized round trips ---- */

START_TEST(test_dt_output_input_round_trip)
{
    DtSettings settings = {0};
    ck_assert_ptr_null(tz_load("Europe/Berlin", &settings.zone));
    unsigned long long seed = 42;
    int round_count = (int)(20000 * test_scale());
    char buf[DT_TEXT_SIZE_MAX];
    for (int round = 0; round < round_count; round++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t span = UINT64_C(9223371331200000000) + UINT64_C(211813488000000000);
        DtTimestamp value = (int64_t)((seed >> 1) % span) - INT64_C(211813488000000000);
        DtTimestamp parsed;
        dt_timestamp_out(value, &settings, buf);
        ck_assert_ptr_null(dt_timestamp_in(buf, &settings, -1, &parsed));
        ck_assert_int_eq(parsed, value);
        dt_timestamptz_out(value, &settings, buf);
        Error *err = dt_timestamptz_in(buf, &settings, -1, &parsed);
        if (err == NULL) {
            ck_assert_int_eq(parsed, value);
        } else {
            err_free(err); /* the edges of the range shift by the zone offset */
        }
        DtInterval interval = {(int64_t)(seed % 1000000000000000ULL) - 500000000000000LL,
                               (int32_t)(seed >> 40) % 100000, (int32_t)(seed >> 20) % 100000};
        DtInterval interval_parsed;
        for (int style = 0; style < 4; style++) {
            settings.interval_style = (DtIntervalStyle)style;
            dt_interval_out(&interval, &settings, buf);
            ck_assert_ptr_null(dt_interval_in(buf, &settings, -1, &interval_parsed));
            ck_assert_int_eq(interval_parsed.time, interval.time);
            ck_assert_int_eq(interval_parsed.day, interval.day);
            ck_assert_int_eq(interval_parsed.month, interval.month);
        }
        settings.interval_style = DT_INTERVALSTYLE_POSTGRES;
    }
}
END_TEST

/* Random strings over a date-ish alphabet: every input function either fails cleanly or returns
 * a value whose output reads back as the same value. */
START_TEST(test_dt_input_survives_garbage)
{
    static const char alphabet[] = "0123456789-/:.+ TZtzPYMDHSW@ago yearsmonjanfebdecbcadinfepoch"
                                   "America/New_York,'\"\\";
    DtSettings settings = {0};
    ck_assert_ptr_null(tz_load("America/New_York", &settings.zone));
    unsigned long long seed = 7;
    int round_count = (int)(60000 * test_scale());
    char text[64];
    char out[DT_TEXT_SIZE_MAX];
    for (int round = 0; round < round_count; round++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t length = (size_t)((seed >> 33) % 40);
        for (size_t idx = 0; idx < length; idx++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            text[idx] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
        }
        text[length] = '\0';
        DtDate date;
        DtDate date_again;
        DtTimestamp ts;
        DtTimestamp ts_again;
        DtInterval iv;
        DtInterval iv_again;
        DtTime time;
        Error *err = dt_date_in(text, &settings, &date);
        if (err == NULL) {
            dt_date_out(date, &settings, out);
            Error *again = dt_date_in(out, &settings, &date_again);
            ck_assert_msg(again == NULL && date == date_again, "'%s' -> '%s' does not read back",
                          text, out);
        }
        err_free(err);
        err = dt_timestamptz_in(text, &settings, -1, &ts);
        if (err == NULL) {
            dt_timestamptz_out(ts, &settings, out);
            Error *again = dt_timestamptz_in(out, &settings, -1, &ts_again);
            ck_assert_msg(again == NULL && ts == ts_again, "'%s' -> '%s' does not read back: %s",
                          text, out, again != NULL ? again->message : "different value");
        }
        err_free(err);
        err = dt_timestamp_in(text, &settings, 3, &ts);
        err_free(err);
        err = dt_time_in(text, &settings, -1, &time);
        if (err == NULL) ck_assert(time >= 0 && time <= DT_USECS_PER_DAY);
        err_free(err);
        err = dt_interval_in(text, &settings, -1, &iv);
        if (err == NULL) {
            dt_interval_out(&iv, &settings, out);
            Error *again = dt_interval_in(out, &settings, -1, &iv_again);
            ck_assert_msg(again == NULL, "'%s' -> '%s' does not read back", text, out);
            ck_assert_int_eq(iv.time, iv_again.time);
            ck_assert_int_eq(iv.day, iv_again.day);
            ck_assert_int_eq(iv.month, iv_again.month);
        }
        err_free(err);
    }
}
END_TEST

static Suite *datetime_suite(void)
{
    Suite *suite = suite_create("datetime");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_dt_fixture_matches_postgresql);
    tcase_add_test(tcase, test_dt_now_today_use_settings_clock);
    tcase_add_test(tcase, test_dt_overflow_is_an_error_not_a_wrap);
    tcase_add_test(tcase, test_dt_api_helpers);
    tcase_add_test(tcase, test_tz_rejects_corrupt_tzif);
    tcase_add_test(tcase, test_tz_load_errors_and_names);
    tcase_add_test(tcase, test_tz_parses_version1_and_posix_rules);
    tcase_add_test(tcase, test_tz_cache_is_thread_safe);
    tcase_add_test(tcase, test_dt_output_input_round_trip);
    tcase_add_test(tcase, test_dt_input_survives_garbage);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(datetime_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
