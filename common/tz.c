/* common/tz.c: time zones from TZif files and POSIX TZ strings (see tz.h).
 *
 * A zone is a sorted table of transitions (UTC seconds -> local time type) plus an optional
 * POSIX rule that governs every instant at or after the last transition. Every count, index
 * and offset read from a TZif file is checked before use; the file is read whole into memory
 * with a size bound. The cache is a mutex-protected list: loads are rare (once per zone per
 * process), lookups in a loaded zone take no lock because zones are immutable once published.
 */
#include "common/tz.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/asserts.h"

enum {
    TZIF_SIZE_MAX = 1 << 20,         /* largest zoneinfo file we read, bytes */
    TZIF_HEADER_SIZE = 44,
    TZIF_TRANSITION_COUNT_MAX = 1 << 16,
    TZIF_TYPE_COUNT_MAX = 256,
    TZIF_CHAR_COUNT_MAX = 4096,
    TZ_PATH_DEPTH_MAX = 8,           /* components in a zone name */
    SECS_PER_DAY = 86400,
};

typedef struct TzType {
    int32_t offset;                  /* seconds east of UTC */
    bool    is_dst;
    char    abbrev[TZ_ABBREV_SIZE_MAX];
} TzType;

typedef struct RuleDate {
    char    kind;                    /* 'J': 1..365 without Feb 29, 'D': 0..365, 'M': m.w.d */
    int     day;                     /* J/D day number, or M weekday 0..6 (Sunday = 0) */
    int     week;                    /* M: 1..5, 5 = last */
    int     month;                   /* M: 1..12 */
    int32_t secs;                    /* local time of day of the change, may be <0 or >24h */
} RuleDate;

typedef struct TzRule {
    TzType   std;
    TzType   dst;
    bool     has_dst;
    RuleDate start;                  /* std -> dst, in standard local time */
    RuleDate end;                    /* dst -> std, in daylight local time */
} TzRule;

struct TzZone {
    char    *name;
    int64_t *transitions;            /* ascending UTC seconds */
    uint8_t *transition_types;       /* index into types */
    size_t   transition_count;
    TzType  *types;                  /* at least one */
    size_t   type_count;
    bool     has_rule;
    TzRule   rule;
};

/* ---- civil calendar (proleptic Gregorian, astronomical years) ---- */

static int64_t floor_div(int64_t num, int64_t den)
{
    int64_t quot = num / den;
    if ((num % den != 0) && ((num < 0) != (den < 0))) quot--;
    return quot;
}

static bool is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int month_length(int64_t year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : lengths[month - 1];
}

/* days since 1970-01-01 of year-month-day. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    int64_t shifted_year = month <= 2 ? year - 1 : year;
    int64_t era = floor_div(shifted_year, 400);
    int64_t year_of_era = shifted_year - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static int64_t year_from_days(int64_t days)
{
    int64_t shifted = days + 719468;
    int64_t era = floor_div(shifted, 146097);
    int64_t day_of_era = shifted - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_shifted = (5 * day_of_year + 2) / 153;
    return year_of_era + era * 400 + (month_shifted >= 10 ? 1 : 0);
}

/* ---- POSIX rules ---- */

/* UTC instant of a rule change in year, given the offset in force before it. */
static int64_t rule_instant(const RuleDate *date, int64_t year, int32_t offset_before)
{
    int64_t day;
    if (date->kind == 'J') {
        int day_idx = date->day - 1;
        if (is_leap(year) && date->day >= 60) day_idx++;
        day = days_from_civil(year, 1, 1) + day_idx;
    } else if (date->kind == 'D') {
        day = days_from_civil(year, 1, 1) + date->day;
    } else {
        int64_t first = days_from_civil(year, date->month, 1);
        int first_weekday = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
        int mday = 1 + (date->day - first_weekday + 7) % 7 + (date->week - 1) * 7;
        while (mday > month_length(year, date->month)) mday -= 7;
        day = first + mday - 1;
    }
    return day * SECS_PER_DAY + date->secs - offset_before;
}

static const TzType *rule_type_at(const TzRule *rule, int64_t utc_secs)
{
    if (!rule->has_dst) return &rule->std;
    int64_t year = year_from_days(floor_div(utc_secs + rule->std.offset, SECS_PER_DAY));
    int64_t start = rule_instant(&rule->start, year, rule->std.offset);
    int64_t end = rule_instant(&rule->end, year, rule->dst.offset);
    bool in_dst = start < end ? (utc_secs >= start && utc_secs < end)
                              : !(utc_secs >= end && utc_secs < start);
    return in_dst ? &rule->dst : &rule->std;
}

static bool rule_next(const TzRule *rule, int64_t utc_secs, int64_t *boundary_out)
{
    if (!rule->has_dst) return false;
    int64_t year = year_from_days(floor_div(utc_secs + rule->std.offset, SECS_PER_DAY));
    bool found = false;
    int64_t best = 0;
    for (int64_t year_idx = year - 1; year_idx <= year + 1; year_idx++) {
        int64_t candidates[2] = {rule_instant(&rule->start, year_idx, rule->std.offset),
                                 rule_instant(&rule->end, year_idx, rule->dst.offset)};
        for (int cand_idx = 0; cand_idx < 2; cand_idx++) {
            if (candidates[cand_idx] > utc_secs && (!found || candidates[cand_idx] < best)) {
                best = candidates[cand_idx];
                found = true;
            }
        }
    }
    if (found) *boundary_out = best;
    return found;
}

static const char *parse_abbrev(const char *text, char *abbrev_out, bool allow_empty)
{
    size_t size = 0;
    if (*text == '<') {
        text++;
        while (*text != '>' && *text != '\0') {
            if (size + 1 >= TZ_ABBREV_SIZE_MAX) return NULL;
            abbrev_out[size++] = *text++;
        }
        if (*text != '>') return NULL;
        text++;
    } else {
        while (isalpha((unsigned char)*text)) {
            if (size + 1 >= TZ_ABBREV_SIZE_MAX) return NULL;
            abbrev_out[size++] = *text++;
        }
    }
    abbrev_out[size] = '\0';
    if (size == 0 && !allow_empty) return NULL;
    return text;
}

/* [+-]hh[:mm[:ss]] with hh <= 167; stores seconds (sign applied). */
static const char *parse_posix_secs(const char *text, int32_t *secs_out)
{
    int sign = 1;
    if (*text == '+' || *text == '-') sign = (*text++ == '-') ? -1 : 1;
    int32_t parts[3] = {0, 0, 0};
    int limits[3] = {167, 59, 59};
    for (int part_idx = 0; part_idx < 3; part_idx++) {
        if (part_idx > 0) {
            if (*text != ':') break;
            text++;
        }
        if (!isdigit((unsigned char)*text)) return NULL;
        int value = 0;
        for (int digit_idx = 0; isdigit((unsigned char)*text); digit_idx++) {
            if (digit_idx >= 3) return NULL;
            value = value * 10 + (*text++ - '0');
        }
        if (value > limits[part_idx]) return NULL;
        parts[part_idx] = value;
    }
    *secs_out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return text;
}

static const char *parse_number(const char *text, int min, int max, int *value_out)
{
    if (!isdigit((unsigned char)*text)) return NULL;
    int value = 0;
    while (isdigit((unsigned char)*text)) {
        value = value * 10 + (*text++ - '0');
        if (value > max) return NULL;
    }
    if (value < min) return NULL;
    *value_out = value;
    return text;
}

static const char *parse_rule_date(const char *text, RuleDate *date_out)
{
    *date_out = (RuleDate){.secs = 2 * 3600};
    if (*text == 'J') {
        date_out->kind = 'J';
        text = parse_number(text + 1, 1, 365, &date_out->day);
    } else if (*text == 'M') {
        date_out->kind = 'M';
        text = parse_number(text + 1, 1, 12, &date_out->month);
        if (text == NULL || *text++ != '.') return NULL;
        text = parse_number(text, 1, 5, &date_out->week);
        if (text == NULL || *text++ != '.') return NULL;
        text = parse_number(text, 0, 6, &date_out->day);
    } else {
        date_out->kind = 'D';
        text = parse_number(text, 0, 365, &date_out->day);
    }
    if (text != NULL && *text == '/') text = parse_posix_secs(text + 1, &date_out->secs);
    return text;
}

/* Parse a POSIX TZ string into rule. PostgreSQL allows an empty standard abbreviation. */
static bool parse_posix_rule(const char *spec, bool allow_empty_std, TzRule *rule)
{
    memset(rule, 0, sizeof *rule);
    const char *text = parse_abbrev(spec, rule->std.abbrev, allow_empty_std);
    if (text == NULL || *text == '\0') return false;
    int32_t west = 0;
    text = parse_posix_secs(text, &west);
    if (text == NULL) return false;
    rule->std.offset = -west;
    if (*text == '\0') return true;
    text = parse_abbrev(text, rule->dst.abbrev, false);
    if (text == NULL) return false;
    rule->has_dst = true;
    rule->dst.is_dst = true;
    rule->dst.offset = rule->std.offset + 3600;
    if (*text != '\0' && *text != ',') {
        text = parse_posix_secs(text, &west);
        if (text == NULL) return false;
        rule->dst.offset = -west;
    }
    if (*text == '\0') {
        /* no rule given: the United States rule, as tzcode's default */
        rule->start = (RuleDate){.kind = 'M', .month = 3, .week = 2, .day = 0, .secs = 7200};
        rule->end = (RuleDate){.kind = 'M', .month = 11, .week = 1, .day = 0, .secs = 7200};
        return true;
    }
    if (*text++ != ',') return false;
    text = parse_rule_date(text, &rule->start);
    if (text == NULL || *text++ != ',') return false;
    text = parse_rule_date(text, &rule->end);
    return text != NULL && *text == '\0';
}

/* ---- zone construction ---- */

static TzZone *zone_new(const char *name, size_t transition_count, size_t type_count)
{
    TzZone *zone = calloc(1, sizeof *zone);
    if (zone == NULL) return NULL;
    zone->name = strdup(name);
    zone->transitions = calloc(transition_count + 1, sizeof *zone->transitions);
    zone->transition_types = calloc(transition_count + 1, 1);
    zone->types = calloc(type_count + 1, sizeof *zone->types);
    zone->transition_count = transition_count;
    zone->type_count = type_count;
    if (zone->name == NULL || zone->transitions == NULL || zone->transition_types == NULL ||
        zone->types == NULL) {
        tz_free(zone);
        return NULL;
    }
    return zone;
}

void tz_free(TzZone *zone)
{
    if (zone == NULL) return;
    free(zone->name);
    free(zone->transitions);
    free(zone->transition_types);
    free(zone->types);
    free(zone);
}

Error *tz_parse_posix(const char *spec, TzZone **zone_out)
{
    TzRule rule;
    if (strlen(spec) >= TZ_NAME_SIZE_MAX || !parse_posix_rule(spec, true, &rule)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized", spec);
    }
    TzZone *zone = zone_new(spec, 0, 1);
    if (zone == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    zone->types[0] = rule.std;
    zone->has_rule = true;
    zone->rule = rule;
    *zone_out = zone;
    return NULL;
}

static int64_t read_be(const uint8_t *src, int size)
{
    uint64_t value = 0;
    for (int byte_idx = 0; byte_idx < size; byte_idx++) value = (value << 8) | src[byte_idx];
    if (size == 4) return (int32_t)(uint32_t)value;
    return (int64_t)value;
}

typedef struct TzifCounts {
    uint32_t isut, isstd, leap, time, type, chars;
} TzifCounts;

static Error *corrupt(const char *name, const char *why)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "invalid time zone file for \"%s\": %s", name, why);
}

static Error *read_header(const char *name, const uint8_t *data, size_t size, size_t pos,
                          TzifCounts *counts, int *version_out)
{
    if (size < TZIF_HEADER_SIZE || pos > size - TZIF_HEADER_SIZE) {
        return corrupt(name, "truncated header");
    }
    const uint8_t *header = data + pos;
    if (memcmp(header, "TZif", 4) != 0) return corrupt(name, "bad magic");
    *version_out = header[4] == 0 ? 1 : header[4] - '0';
    if (*version_out < 1 || *version_out > 9) return corrupt(name, "bad version");
    uint32_t values[6];
    for (int count_idx = 0; count_idx < 6; count_idx++) {
        values[count_idx] = (uint32_t)read_be(header + 20 + 4 * count_idx, 4);
    }
    *counts = (TzifCounts){values[0], values[1], values[2], values[3], values[4], values[5]};
    if (counts->time > TZIF_TRANSITION_COUNT_MAX || counts->type == 0 ||
        counts->type > TZIF_TYPE_COUNT_MAX || counts->chars > TZIF_CHAR_COUNT_MAX ||
        counts->leap > TZIF_TRANSITION_COUNT_MAX ||
        (counts->isut != 0 && counts->isut != counts->type) ||
        (counts->isstd != 0 && counts->isstd != counts->type)) {
        return corrupt(name, "bad counts");
    }
    return NULL;
}

static size_t block_size(const TzifCounts *counts, int time_size)
{
    return (size_t)counts->time * (size_t)(time_size + 1) + (size_t)counts->type * 6 +
           counts->chars + (size_t)counts->leap * (size_t)(time_size + 4) + counts->isstd +
           counts->isut;
}

static Error *read_block(const char *name, const uint8_t *data, const TzifCounts *counts,
                         int time_size, TzZone *zone)
{
    const uint8_t *times = data;
    const uint8_t *indexes = times + (size_t)counts->time * (size_t)time_size;
    const uint8_t *types = indexes + counts->time;
    const char *chars = (const char *)(types + (size_t)counts->type * 6);
    for (uint32_t trans_idx = 0; trans_idx < counts->time; trans_idx++) {
        zone->transitions[trans_idx] = read_be(times + (size_t)trans_idx * time_size, time_size);
        if (trans_idx > 0 && zone->transitions[trans_idx] <= zone->transitions[trans_idx - 1]) {
            return corrupt(name, "transitions out of order");
        }
        if (indexes[trans_idx] >= counts->type) return corrupt(name, "bad type index");
        zone->transition_types[trans_idx] = indexes[trans_idx];
    }
    for (uint32_t type_idx = 0; type_idx < counts->type; type_idx++) {
        const uint8_t *entry = types + (size_t)type_idx * 6;
        int64_t offset = read_be(entry, 4);
        if (offset < -TZ_OFFSET_SECS_MAX || offset > TZ_OFFSET_SECS_MAX || entry[4] > 1 ||
            entry[5] >= counts->chars) {
            return corrupt(name, "bad local time type");
        }
        TzType *type = &zone->types[type_idx];
        type->offset = (int32_t)offset;
        type->is_dst = entry[4] == 1;
        size_t abbrev_size = 0;
        for (size_t char_idx = entry[5]; char_idx < counts->chars && chars[char_idx] != '\0';
             char_idx++) {
            if (abbrev_size + 1 >= TZ_ABBREV_SIZE_MAX) return corrupt(name, "long abbreviation");
            type->abbrev[abbrev_size++] = chars[char_idx];
        }
        if (entry[5] + abbrev_size >= counts->chars) {
            return corrupt(name, "unterminated abbreviation");
        }
        type->abbrev[abbrev_size] = '\0';
    }
    return NULL;
}

Error *tz_parse_tzif(const char *name, const uint8_t *data, size_t size, TzZone **zone_out)
{
    TzifCounts counts;
    int version;
    TRY(read_header(name, data, size, 0, &counts, &version));
    size_t pos = TZIF_HEADER_SIZE;
    int time_size = 4;
    if (version >= 2) {
        size_t v1_size = block_size(&counts, 4);
        if (v1_size > size - pos) return corrupt(name, "truncated data");
        pos += v1_size;
        TRY(read_header(name, data, size, pos, &counts, &version));
        pos += TZIF_HEADER_SIZE;
        time_size = 8;
    }
    size_t data_size = block_size(&counts, time_size);
    if (data_size > size - pos) return corrupt(name, "truncated data");
    TzZone *zone = zone_new(name, counts.time, counts.type);
    if (zone == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    Error *err = read_block(name, data + pos, &counts, time_size, zone);
    if (err != NULL) {
        tz_free(zone);
        return err;
    }
    pos += data_size;
    if (version >= 2 && pos < size) {
        /* footer: "\nPOSIX-TZ\n"; an empty string means no rule */
        const char *footer = (const char *)data + pos;
        size_t footer_size = size - pos;
        const char *newline = footer_size > 1 ? memchr(footer + 1, '\n', footer_size - 1) : NULL;
        if (footer[0] != '\n' || newline == NULL) {
            tz_free(zone);
            return corrupt(name, "bad footer");
        }
        size_t spec_size = (size_t)(newline - footer - 1);
        char spec[TZ_NAME_SIZE_MAX];
        if (spec_size >= sizeof spec) {
            tz_free(zone);
            return corrupt(name, "footer too long");
        }
        memcpy(spec, footer + 1, spec_size);
        spec[spec_size] = '\0';
        if (spec_size > 0) {
            if (memchr(spec, '\0', spec_size) != NULL ||
                !parse_posix_rule(spec, false, &zone->rule)) {
                tz_free(zone);
                return corrupt(name, "bad footer rule");
            }
            zone->has_rule = true;
        }
    }
    *zone_out = zone;
    return NULL;
}

/* ---- lookups ---- */

/* The type in force at utc_secs when it is governed by the table (not the rule). */
static const TzType *table_type_at(const TzZone *zone, int64_t utc_secs, size_t *next_idx_out)
{
    size_t low = 0;
    size_t high = zone->transition_count;
    while (low < high) { /* first transition > utc_secs */
        size_t mid = low + (high - low) / 2;
        if (zone->transitions[mid] <= utc_secs) low = mid + 1;
        else high = mid;
    }
    *next_idx_out = low;
    if (low == 0) return &zone->types[0];
    return &zone->types[zone->transition_types[low - 1]];
}

static bool governed_by_rule(const TzZone *zone, int64_t utc_secs)
{
    if (!zone->has_rule) return false;
    return zone->transition_count == 0 ||
           utc_secs >= zone->transitions[zone->transition_count - 1];
}

static const TzType *type_at(const TzZone *zone, int64_t utc_secs)
{
    if (governed_by_rule(zone, utc_secs)) return rule_type_at(&zone->rule, utc_secs);
    size_t next_idx;
    return table_type_at(zone, utc_secs, &next_idx);
}

int32_t tz_offset_at(const TzZone *zone, int64_t utc_secs, bool *is_dst_out,
                     const char **abbrev_out)
{
    const TzType *type = type_at(zone, utc_secs);
    if (is_dst_out != NULL) *is_dst_out = type->is_dst;
    if (abbrev_out != NULL) *abbrev_out = type->abbrev;
    return type->offset;
}

bool tz_next_transition(const TzZone *zone, int64_t utc_secs, int64_t *boundary_out,
                        int32_t *offset_before_out, int32_t *offset_after_out)
{
    const TzType *before = type_at(zone, utc_secs);
    if (offset_before_out != NULL) *offset_before_out = before->offset;
    int64_t cursor = utc_secs;
    for (int step_idx = 0; step_idx < TZIF_TRANSITION_COUNT_MAX + 4; step_idx++) {
        int64_t boundary;
        if (governed_by_rule(zone, cursor)) {
            if (!rule_next(&zone->rule, cursor, &boundary)) return false;
        } else {
            size_t next_idx;
            table_type_at(zone, cursor, &next_idx);
            if (next_idx >= zone->transition_count) return false;
            boundary = zone->transitions[next_idx];
        }
        const TzType *after = type_at(zone, boundary);
        if (after->offset != before->offset || after->is_dst != before->is_dst) {
            *boundary_out = boundary;
            if (offset_after_out != NULL) *offset_after_out = after->offset;
            return true;
        }
        cursor = boundary; /* a change of abbreviation only: look further */
    }
    return false;
}

int32_t tz_local_offset(const TzZone *zone, int64_t local_secs, bool *is_dst_out)
{
    /* Offsets are below a day and transitions more than two days apart, so the first boundary
     * after (local - 1 day) is the one that can make local_secs skipped or repeated. */
    int64_t probe = local_secs - SECS_PER_DAY;
    int32_t before = 0;
    int32_t after = 0;
    int64_t boundary = 0;
    bool before_dst = false;
    before = tz_offset_at(zone, probe, &before_dst, NULL);
    if (!tz_next_transition(zone, probe, &boundary, NULL, &after)) {
        if (is_dst_out != NULL) *is_dst_out = before_dst;
        return before;
    }
    int64_t as_before = local_secs - before;
    int64_t as_after = local_secs - after;
    int32_t chosen;
    if (as_before < boundary && as_after < boundary) chosen = before;
    else if (as_before >= boundary && as_after >= boundary) chosen = after;
    else chosen = as_before > as_after ? before : after; /* gap: before; overlap: after */
    if (is_dst_out != NULL) tz_offset_at(zone, local_secs - chosen, is_dst_out, NULL);
    return chosen;
}

bool tz_fixed_offset(const TzZone *zone, int32_t *offset_out)
{
    if (zone->has_rule && zone->rule.has_dst) return false;
    for (size_t trans_idx = 0; trans_idx < zone->transition_count; trans_idx++) {
        if (zone->types[zone->transition_types[trans_idx]].offset != zone->types[0].offset) {
            return false;
        }
    }
    if (zone->has_rule && zone->rule.std.offset != zone->types[0].offset) return false;
    *offset_out = zone->types[0].offset;
    return true;
}

const char *tz_name(const TzZone *zone)
{
    return zone->name;
}

/* ---- cache and loading ---- */

static pthread_mutex_t cache_mutex = PTHREAD_MUTEX_INITIALIZER;
static TzZone *cache_zones[TZ_CACHE_COUNT_MAX];
static char *cache_keys[TZ_CACHE_COUNT_MAX];
static size_t cache_count;
static char *zone_directory;

static TzType utc_type = {0, false, "UTC"};
static TzZone utc_zone = {.name = "UTC", .types = &utc_type, .type_count = 1};

const TzZone *tz_utc(void)
{
    return &utc_zone;
}

void tz_set_directory(const char *dir)
{
    pthread_mutex_lock(&cache_mutex);
    free(zone_directory);
    zone_directory = dir != NULL ? strdup(dir) : NULL;
    pthread_mutex_unlock(&cache_mutex);
}

static const char *directory_locked(void)
{
    if (zone_directory != NULL) return zone_directory;
    const char *env = getenv("TZDIR");
    return env != NULL && env[0] != '\0' ? env : "/usr/share/zoneinfo";
}

static void lower_copy(char *dst, const char *src, size_t size)
{
    size_t idx = 0;
    for (; src[idx] != '\0' && idx + 1 < size; idx++) {
        dst[idx] = (char)tolower((unsigned char)src[idx]);
    }
    dst[idx] = '\0';
}

static const TzZone *cache_find_locked(const char *key)
{
    for (size_t zone_idx = 0; zone_idx < cache_count; zone_idx++) {
        if (strcmp(cache_keys[zone_idx], key) == 0) return cache_zones[zone_idx];
    }
    return NULL;
}

/* false when the cache is full or out of memory: the caller frees the zone. */
static bool cache_add_locked(const char *key, TzZone *zone)
{
    if (cache_count >= TZ_CACHE_COUNT_MAX) return false;
    char *key_copy = strdup(key);
    if (key_copy == NULL) return false;
    cache_keys[cache_count] = key_copy;
    cache_zones[cache_count] = zone;
    cache_count++;
    return true;
}

/* Find name under dir, each component matched case-insensitively; fills path and canonical
 * name. false when there is no such regular file or the name is unsafe. */
static bool find_zone_file(const char *dir, const char *name, char *path, size_t path_size,
                           char *canonical, size_t canonical_size)
{
    if (name[0] == '\0' || name[0] == '/' || strlen(name) >= TZ_NAME_SIZE_MAX) return false;
    snprintf(path, path_size, "%s", dir);
    canonical[0] = '\0';
    const char *component = name;
    for (int depth = 0; depth < TZ_PATH_DEPTH_MAX; depth++) {
        const char *slash = strchr(component, '/');
        size_t length = slash != NULL ? (size_t)(slash - component) : strlen(component);
        if (length == 0 || component[0] == '.') return false;
        DIR *handle = opendir(path);
        if (handle == NULL) return false;
        struct dirent *entry;
        bool found = false;
        while ((entry = readdir(handle)) != NULL) {
            if (strlen(entry->d_name) == length &&
                strncasecmp(entry->d_name, component, length) == 0) {
                size_t used = strlen(path);
                snprintf(path + used, path_size - used, "/%s", entry->d_name);
                used = strlen(canonical);
                snprintf(canonical + used, canonical_size - used, "%s%s", used > 0 ? "/" : "",
                         entry->d_name);
                found = true;
                break;
            }
        }
        closedir(handle);
        if (!found) return false;
        if (slash == NULL) return true;
        component = slash + 1;
    }
    return false;
}

/* Read the file at path; NULL error and *zone_out NULL when it is not a regular file. */
static Error *load_file(const char *path, const char *canonical, TzZone **zone_out)
{
    *zone_out = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    uint8_t *data = malloc(TZIF_SIZE_MAX);
    if (data == NULL) {
        fclose(file);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    size_t size = fread(data, 1, TZIF_SIZE_MAX, file);
    bool is_error = ferror(file) != 0;
    fclose(file);
    Error *err = NULL;
    if (is_error) {
        err = NULL; /* a directory or unreadable entry: not a zone */
    } else if (size < 4 || memcmp(data, "TZif", 4) != 0) {
        err = NULL; /* zone.tab, iso3166.tab, ...: not a zone at all */
    } else if (size >= TZIF_SIZE_MAX) {
        err = corrupt(canonical, "file too large");
    } else {
        err = tz_parse_tzif(canonical, data, size, zone_out);
    }
    free(data);
    return err;
}

Error *tz_load(const char *name, const TzZone **zone_out)
{
    char key[TZ_NAME_SIZE_MAX];
    if (strlen(name) >= TZ_NAME_SIZE_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "time zone \"%.64s...\" not recognized",
                       name);
    }
    if (strcasecmp(name, "UTC") == 0) {
        *zone_out = &utc_zone;
        return NULL;
    }
    lower_copy(key, name, sizeof key);
    pthread_mutex_lock(&cache_mutex);
    const TzZone *cached = cache_find_locked(key);
    if (cached != NULL) {
        pthread_mutex_unlock(&cache_mutex);
        *zone_out = cached;
        return NULL;
    }
    char path[TZ_NAME_SIZE_MAX * 2 + 64];
    char canonical[TZ_NAME_SIZE_MAX];
    TzZone *zone = NULL;
    Error *err = NULL;
    if (find_zone_file(directory_locked(), name, path, sizeof path, canonical, sizeof canonical)) {
        err = load_file(path, canonical, &zone);
    }
    if (err == NULL && zone == NULL) err = tz_parse_posix(name, &zone);
    if (err == NULL) {
        free(zone->name);
        zone->name = strdup(name);
        if (zone->name == NULL) {
            tz_free(zone);
            err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        }
    }
    if (err == NULL && !cache_add_locked(key, zone)) {
        /* zones live for the process, so their number is bounded rather than evicted */
        tz_free(zone);
        err = err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                      "too many distinct time zones loaded (at most %d)", TZ_CACHE_COUNT_MAX);
    }
    pthread_mutex_unlock(&cache_mutex);
    if (err != NULL) return err;
    *zone_out = zone;
    return NULL;
}

Error *tz_load_setting(const char *value, const TzZone **zone_out)
{
    char *end = NULL;
    double hours = strtod(value, &end);
    if (end != value && *end == '\0') {
        if (!(hours >= -168.0 && hours <= 168.0)) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "invalid value for parameter \"TimeZone\": \"%s\"", value);
        }
        double secs = hours * 3600.0;
        const TzZone *zone = tz_fixed((int32_t)(secs < 0 ? secs - 0.5 : secs + 0.5));
        if (zone == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        *zone_out = zone;
        return NULL;
    }
    Error *err = tz_load(value, zone_out);
    if (err != NULL && err->state == SQLSTATE_INVALID_PARAMETER_VALUE) {
        err_free(err);
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "invalid value for parameter \"TimeZone\": \"%s\"", value);
    }
    return err;
}

const TzZone *tz_fixed(int32_t offset_secs)
{
    if (offset_secs < -TZ_OFFSET_SECS_MAX || offset_secs > TZ_OFFSET_SECS_MAX) return NULL;
    int32_t magnitude = offset_secs < 0 ? -offset_secs : offset_secs;
    char abbrev[TZ_ABBREV_SIZE_MAX];
    char key[64];
    snprintf(abbrev, sizeof abbrev, "%c%02d", offset_secs < 0 ? '-' : '+', magnitude / 3600);
    if (magnitude % 3600 != 0) {
        size_t used = strlen(abbrev);
        snprintf(abbrev + used, sizeof abbrev - used, ":%02d", magnitude / 60 % 60);
    }
    if (magnitude % 60 != 0) {
        size_t used = strlen(abbrev);
        snprintf(abbrev + used, sizeof abbrev - used, ":%02d", magnitude % 60);
    }
    snprintf(key, sizeof key, "\x01fixed%s", abbrev); /* cannot collide with a zone name */
    pthread_mutex_lock(&cache_mutex);
    const TzZone *cached = cache_find_locked(key);
    if (cached == NULL) {
        TzZone *zone = zone_new(abbrev, 0, 1);
        if (zone != NULL) {
            zone->types[0].offset = offset_secs;
            snprintf(zone->types[0].abbrev, TZ_ABBREV_SIZE_MAX, "%s", abbrev);
            if (!cache_add_locked(key, zone)) {
                tz_free(zone);
                zone = NULL;
            }
        }
        cached = zone;
    }
    pthread_mutex_unlock(&cache_mutex);
    return cached;
}

/* ---- abbreviations: the fixed-offset entries of PostgreSQL's "Default" set ---- */

typedef struct TzAbbrev {
    const char *name;
    int32_t     offset;
    bool        is_dst;
} TzAbbrev;

static const TzAbbrev abbrevs[] = {
    {"acdt", 37800, 1},  {"acsst", 37800, 1}, {"acst", 34200, 0},  {"act", -18000, 0},
    {"acwst", 31500, 0}, {"adt", -10800, 1},  {"aedt", 39600, 1},  {"aesst", 39600, 1},
    {"aest", 36000, 0},  {"aft", 16200, 0},   {"akdt", -28800, 1}, {"akst", -32400, 0},
    {"almst", 25200, 1}, {"almt", 21600, 0},  {"amt", -14400, 0},  {"ast", -14400, 0},
    {"awsst", 32400, 1}, {"awst", 28800, 0},  {"azost", 0, 1},     {"azot", -3600, 0},
    {"bdst", 7200, 1},   {"bdt", 21600, 0},   {"bnt", 28800, 0},   {"bort", 28800, 0},
    {"bot", -14400, 0},  {"bra", -10800, 0},  {"brst", -7200, 1},  {"brt", -10800, 0},
    {"bst", 3600, 1},    {"btt", 21600, 0},   {"cadt", 37800, 1},  {"cast", 34200, 0},
    {"cct", 28800, 0},   {"cdt", -18000, 1},  {"cest", 7200, 1},   {"cet", 3600, 0},
    {"cetdst", 7200, 1}, {"chadt", 49500, 1}, {"chast", 45900, 0}, {"chut", 36000, 0},
    {"clst", -10800, 1}, {"cot", -18000, 0},  {"cst", -21600, 0},  {"cxt", 25200, 0},
    {"ddut", 36000, 0},  {"eat", 10800, 0},   {"edt", -14400, 1},  {"eest", 10800, 1},
    {"eet", 7200, 0},    {"eetdst", 10800, 1}, {"egst", 0, 1},     {"egt", -3600, 0},
    {"est", -18000, 0},  {"fet", 10800, 0},   {"fjst", 46800, 1},  {"fjt", 43200, 0},
    {"fnst", -3600, 1},  {"fnt", -7200, 0},   {"galt", -21600, 0}, {"gamt", -32400, 0},
    {"gft", -10800, 0},  {"gilt", 43200, 0},  {"gmt", 0, 0},       {"hkt", 28800, 0},
    {"hst", -36000, 0},  {"ict", 25200, 0},   {"idt", 10800, 1},   {"irt", 12600, 0},
    {"ist", 7200, 0},    {"jayt", 32400, 0},  {"jst", 32400, 0},   {"kdt", 36000, 1},
    {"kgst", 21600, 1},  {"kst", 32400, 0},   {"lhst", 37800, 0},  {"ligt", 36000, 0},
    {"mart", -34200, 0}, {"mdt", -21600, 1},  {"mest", 7200, 1},   {"mesz", 7200, 1},
    {"met", 3600, 0},    {"metdst", 7200, 1}, {"mez", 3600, 0},    {"mht", 43200, 0},
    {"mmt", 23400, 0},   {"mpt", 36000, 0},   {"msd", 14400, 1},   {"mst", -25200, 0},
    {"must", 18000, 1},  {"mut", 14400, 0},   {"mvt", 18000, 0},   {"myt", 28800, 0},
    {"ndt", -9000, 1},   {"nft", -12600, 0},  {"npt", 20700, 0},   {"nst", -12600, 0},
    {"nzdt", 46800, 1},  {"nzst", 43200, 0},  {"nzt", 43200, 0},   {"pdt", -25200, 1},
    {"pet", -18000, 0},  {"pgt", 36000, 0},   {"pht", 28800, 0},   {"pkst", 21600, 1},
    {"pkt", 18000, 0},   {"pmdt", -7200, 1},  {"pmst", -10800, 0}, {"pont", 39600, 0},
    {"pst", -28800, 0},  {"pwt", 32400, 0},   {"pyst", -10800, 1}, {"ret", 14400, 0},
    {"sadt", 37800, 1},  {"sast", 7200, 0},   {"sct", 14400, 0},   {"taht", -36000, 0},
    {"tft", 18000, 0},   {"tjt", 18000, 0},   {"tot", 46800, 0},   {"trut", 36000, 0},
    {"tvt", 43200, 0},   {"uct", 0, 0},       {"ulast", 32400, 1}, {"ut", 0, 0},
    {"utc", 0, 0},       {"uyst", -7200, 1},  {"uyt", -10800, 0},  {"uzst", 21600, 1},
    {"uzt", 18000, 0},   {"vut", 39600, 0},   {"wadt", 28800, 1},  {"wakt", 43200, 0},
    {"wast", 25200, 0},  {"wat", 3600, 0},    {"wdt", 32400, 1},   {"wet", 0, 0},
    {"wetdst", 3600, 1}, {"wft", 43200, 0},   {"wgst", -7200, 1},  {"wgt", -10800, 0},
    {"xjt", 21600, 0},   {"yapt", 36000, 0},  {"yekst", 21600, 1}, {"z", 0, 0},
    {"zulu", 0, 0},
};

bool tz_abbrev_lookup(const char *abbrev, int32_t *offset_out, bool *is_dst_out)
{
    size_t low = 0;
    size_t high = sizeof abbrevs / sizeof abbrevs[0];
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = strcmp(abbrevs[mid].name, abbrev);
        if (cmp == 0) {
            *offset_out = abbrevs[mid].offset;
            if (is_dst_out != NULL) *is_dst_out = abbrevs[mid].is_dst;
            return true;
        }
        if (cmp < 0) low = mid + 1;
        else high = mid;
    }
    return false;
}

/* Abbreviations of PostgreSQL's "Default" set whose meaning depends on a zone's history. */
typedef struct TzDynamicAbbrev {
    const char *name;
    const char *zone;
} TzDynamicAbbrev;

static const TzDynamicAbbrev dynamic_abbrevs[] = {
    {"amst", "Asia/Yerevan"},        {"anast", "Asia/Anadyr"},
    {"anat", "Asia/Anadyr"},         {"arst", "America/Argentina/Buenos_Aires"},
    {"art", "America/Argentina/Buenos_Aires"}, {"azst", "Asia/Baku"},
    {"azt", "Asia/Baku"},            {"ckt", "Pacific/Rarotonga"},
    {"clt", "America/Santiago"},     {"davt", "Antarctica/Davis"},
    {"easst", "Pacific/Easter"},     {"east", "Pacific/Easter"},
    {"fkst", "Atlantic/Stanley"},    {"fkt", "Atlantic/Stanley"},
    {"gest", "Asia/Tbilisi"},        {"get", "Asia/Tbilisi"},
    {"gyt", "America/Guyana"},       {"iot", "Indian/Chagos"},
    {"irkst", "Asia/Irkutsk"},       {"irkt", "Asia/Irkutsk"},
    {"kgt", "Asia/Bishkek"},         {"kost", "Pacific/Kosrae"},
    {"krast", "Asia/Krasnoyarsk"},   {"krat", "Asia/Krasnoyarsk"},
    {"lhdt", "Australia/Lord_Howe"}, {"lint", "Pacific/Kiritimati"},
    {"lkt", "Asia/Colombo"},         {"magst", "Asia/Magadan"},
    {"magt", "Asia/Magadan"},        {"mawt", "Antarctica/Mawson"},
    {"msk", "Europe/Moscow"},        {"novst", "Asia/Novosibirsk"},
    {"novt", "Asia/Novosibirsk"},    {"nut", "Pacific/Niue"},
    {"omsst", "Asia/Omsk"},          {"omst", "Asia/Omsk"},
    {"petst", "Asia/Kamchatka"},     {"pett", "Asia/Kamchatka"},
    {"pyt", "America/Asuncion"},     {"sgt", "Asia/Singapore"},
    {"tkt", "Pacific/Fakaofo"},      {"tmt", "Asia/Ashgabat"},
    {"ulat", "Asia/Ulaanbaatar"},    {"vet", "America/Caracas"},
    {"vlast", "Asia/Vladivostok"},   {"vlat", "Asia/Vladivostok"},
    {"volt", "Europe/Volgograd"},    {"yakst", "Asia/Yakutsk"},
    {"yakt", "Asia/Yakutsk"},        {"yekt", "Asia/Yekaterinburg"},
};

const char *tz_abbrev_zone(const char *abbrev)
{
    for (size_t abbrev_idx = 0; abbrev_idx < sizeof dynamic_abbrevs / sizeof dynamic_abbrevs[0];
         abbrev_idx++) {
        if (strcmp(dynamic_abbrevs[abbrev_idx].name, abbrev) == 0) {
            return dynamic_abbrevs[abbrev_idx].zone;
        }
    }
    return NULL;
}

bool tz_abbrev_offset_before(const TzZone *zone, const char *abbrev, int64_t utc_secs,
                             int32_t *offset_out)
{
    bool found = false;
    for (size_t trans_idx = 0; trans_idx < zone->transition_count; trans_idx++) {
        const TzType *type = &zone->types[zone->transition_types[trans_idx]];
        if (strcasecmp(type->abbrev, abbrev) != 0) continue;
        if (zone->transitions[trans_idx] > utc_secs && found) break; /* latest before wins */
        *offset_out = type->offset;
        found = true;
        if (zone->transitions[trans_idx] > utc_secs) break; /* none before: first after */
    }
    if (!found && zone->has_rule) {
        if (strcasecmp(zone->rule.std.abbrev, abbrev) == 0) {
            *offset_out = zone->rule.std.offset;
            found = true;
        } else if (zone->rule.has_dst && strcasecmp(zone->rule.dst.abbrev, abbrev) == 0) {
            *offset_out = zone->rule.dst.offset;
            found = true;
        }
    }
    return found;
}
