/* common/datetime_in.c: text input of date, time, timestamp, timestamptz and interval.
 *
 * Two passes, as PostgreSQL does it: split_fields cuts the text into typed fields (number,
 * word, date-like, time-like, signed zone, signed word), then a decoder assigns each field to
 * year/month/day/hour/... using what earlier fields already set (so "02/29/2024" obeys the
 * DateOrder and "Feb 29 2024" does not need it). A field that would set something twice is a
 * syntax error. Interval fields are read right to left so that a unit word applies to the
 * number before it. Every error names the whole input text, like PostgreSQL's messages.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/datetime.h"
#include "common/datetime_int.h"

enum {
    FIELD_COUNT_MAX = 25,    /* fields in one input, as PostgreSQL's MAXDATEFIELDS */
    INPUT_SIZE_MAX = 256,    /* longest date/time text accepted, bytes */
    TOKEN_SIZE_MAX = 10,     /* keywords compare on this many leading characters */
};

typedef enum FieldKind {
    FIELD_NUMBER,
    FIELD_STRING,
    FIELD_DATE,
    FIELD_TIME,
    FIELD_TZ,      /* +/- followed by digits */
    FIELD_SPECIAL, /* +/- followed by letters ("-infinity") */
} FieldKind;

typedef struct Fields {
    FieldKind kinds[FIELD_COUNT_MAX];
    char     *texts[FIELD_COUNT_MAX];
    int       count;
    char      buf[INPUT_SIZE_MAX * 2];
} Fields;

/* Result codes of the decoders; turned into Errors naming the input by report(). */
typedef enum Status {
    STATUS_OK = 0,
    STATUS_BAD_FORMAT,
    STATUS_FIELD_OVERFLOW,
    STATUS_MD_FIELD_OVERFLOW, /* month/day out of range: same message, DateStyle hint */
    STATUS_TZ_OVERFLOW,
    STATUS_INTERVAL_OVERFLOW,
} Status;

/* ---- keywords ---- */

typedef enum KeyKind {
    KEY_NONE,
    KEY_MONTH,
    KEY_DOW,
    KEY_AMPM,
    KEY_ADBC,
    KEY_RESERVED,
    KEY_ISOTIME,
    KEY_JULIAN,
    KEY_IGNORE,
} KeyKind;

enum { RES_EPOCH, RES_INFINITY, RES_NEG_INFINITY, RES_NOW, RES_TODAY, RES_TOMORROW,
       RES_YESTERDAY, RES_ALLBALLS };
enum { MER_NONE, MER_AM, MER_PM };

typedef struct Keyword {
    const char *word;
    KeyKind     kind;
    int         value;
} Keyword;

static const Keyword date_keywords[] = {
    {"-infinity", KEY_RESERVED, RES_NEG_INFINITY},
    {"ad", KEY_ADBC, 0}, {"allballs", KEY_RESERVED, RES_ALLBALLS}, {"am", KEY_AMPM, MER_AM},
    {"apr", KEY_MONTH, 4}, {"april", KEY_MONTH, 4}, {"at", KEY_IGNORE, 0},
    {"aug", KEY_MONTH, 8}, {"august", KEY_MONTH, 8}, {"bc", KEY_ADBC, 1},
    {"dec", KEY_MONTH, 12}, {"december", KEY_MONTH, 12}, {"epoch", KEY_RESERVED, RES_EPOCH},
    {"feb", KEY_MONTH, 2}, {"february", KEY_MONTH, 2}, {"fri", KEY_DOW, 5},
    {"friday", KEY_DOW, 5}, {"infinity", KEY_RESERVED, RES_INFINITY}, {"j", KEY_JULIAN, 0},
    {"jan", KEY_MONTH, 1}, {"january", KEY_MONTH, 1}, {"jd", KEY_JULIAN, 0},
    {"jul", KEY_MONTH, 7}, {"julian", KEY_JULIAN, 0}, {"july", KEY_MONTH, 7},
    {"jun", KEY_MONTH, 6}, {"june", KEY_MONTH, 6}, {"mar", KEY_MONTH, 3},
    {"march", KEY_MONTH, 3}, {"may", KEY_MONTH, 5}, {"mon", KEY_DOW, 1},
    {"monday", KEY_DOW, 1}, {"nov", KEY_MONTH, 11}, {"november", KEY_MONTH, 11},
    {"now", KEY_RESERVED, RES_NOW}, {"oct", KEY_MONTH, 10}, {"october", KEY_MONTH, 10},
    {"on", KEY_IGNORE, 0}, {"pm", KEY_AMPM, MER_PM}, {"sat", KEY_DOW, 6},
    {"saturday", KEY_DOW, 6}, {"sep", KEY_MONTH, 9}, {"sept", KEY_MONTH, 9},
    {"september", KEY_MONTH, 9}, {"sun", KEY_DOW, 0}, {"sunday", KEY_DOW, 0},
    {"t", KEY_ISOTIME, 0}, {"thu", KEY_DOW, 4}, {"thur", KEY_DOW, 4},
    {"thurs", KEY_DOW, 4}, {"thursday", KEY_DOW, 4}, {"today", KEY_RESERVED, RES_TODAY},
    {"tomorrow", KEY_RESERVED, RES_TOMORROW}, {"tue", KEY_DOW, 2}, {"tues", KEY_DOW, 2},
    {"tuesday", KEY_DOW, 2}, {"wed", KEY_DOW, 3}, {"wednesday", KEY_DOW, 3},
    {"wednesday", KEY_DOW, 3}, {"yesterday", KEY_RESERVED, RES_YESTERDAY},
};

static const Keyword *find_keyword(const Keyword *table, size_t count, const char *word)
{
    for (size_t key_idx = 0; key_idx < count; key_idx++) {
        if (strncmp(table[key_idx].word, word, TOKEN_SIZE_MAX) == 0) return &table[key_idx];
    }
    return NULL;
}

static const Keyword *date_keyword(const char *word)
{
    return find_keyword(date_keywords, sizeof date_keywords / sizeof date_keywords[0], word);
}

/* ---- splitting ---- */

static bool fields_add(Fields *fields, FieldKind kind, char **cursor, const char *start,
                       size_t size)
{
    if (fields->count >= FIELD_COUNT_MAX) return false;
    char *text = *cursor;
    for (size_t idx = 0; idx < size; idx++) text[idx] = (char)tolower((unsigned char)start[idx]);
    text[size] = '\0';
    *cursor += size + 1;
    fields->kinds[fields->count] = kind;
    fields->texts[fields->count] = text;
    fields->count++;
    return true;
}

static size_t span_of(const char *text, const char *accept_extra, bool digits, bool alnum)
{
    size_t size = 0;
    for (;; size++) {
        unsigned char letter = (unsigned char)text[size];
        if (letter == '\0') break;
        if (digits && isdigit(letter)) continue;
        if (alnum && isalnum(letter)) continue;
        if (strchr(accept_extra, letter) != NULL) continue;
        break;
    }
    return size;
}

/* A field that begins with a digit: a time (has ':'), a date (delimited), or a number. */
static size_t scan_number_field(const char *text, FieldKind *kind_out)
{
    size_t size = span_of(text, "", true, false);
    char next = text[size];
    if (next == ':') {
        *kind_out = FIELD_TIME;
        return size + span_of(text + size, ":.", true, false);
    }
    if (next == '-' || next == '/' || next == '.') {
        char delim = next;
        size++;
        if (isdigit((unsigned char)text[size])) {
            *kind_out = delim == '.' ? FIELD_NUMBER : FIELD_DATE;
            size += span_of(text + size, "", true, false);
            if (text[size] == delim) {
                *kind_out = FIELD_DATE;
                char accept[2] = {delim, '\0'};
                size += span_of(text + size, accept, true, false);
            }
        } else {
            *kind_out = FIELD_DATE;
            char accept[2] = {delim, '\0'};
            size += span_of(text + size, accept, false, true);
        }
        return size;
    }
    *kind_out = FIELD_NUMBER;
    return size;
}

static bool split_fields(const char *input, Fields *fields)
{
    if (strlen(input) >= INPUT_SIZE_MAX) return false;
    fields->count = 0;
    char *cursor = fields->buf;
    const char *text = input;
    while (*text != '\0') {
        unsigned char letter = (unsigned char)*text;
        FieldKind kind;
        size_t size;
        if (isspace(letter)) {
            text++;
            continue;
        }
        if (isdigit(letter)) {
            size = scan_number_field(text, &kind);
        } else if (letter == '.') {
            kind = FIELD_NUMBER;
            size = 1 + span_of(text + 1, "", true, false);
        } else if (isalpha(letter)) {
            kind = FIELD_STRING;
            size = span_of(text, "", false, false);
            while (isalpha((unsigned char)text[size])) size++;
            char next = text[size];
            bool is_date = next == '-' || next == '/' || next == '.';
            if (!is_date && (next == '+' || isdigit((unsigned char)next))) {
                char word[INPUT_SIZE_MAX];
                for (size_t idx = 0; idx < size; idx++) {
                    word[idx] = (char)tolower((unsigned char)text[idx]);
                }
                word[size] = '\0';
                is_date = date_keyword(word) == NULL;
            }
            if (is_date) {
                kind = FIELD_DATE;
                size += span_of(text + size, "+-/_.:", false, true);
            }
        } else if (letter == '+' || letter == '-') {
            const char *body = text + 1;
            while (isspace((unsigned char)*body)) body++;
            if (isdigit((unsigned char)*body)) {
                kind = FIELD_TZ;
                /* keep the sign, drop blanks between it and the digits */
                char joined[INPUT_SIZE_MAX];
                size_t body_size = span_of(body, ":.-", true, false);
                joined[0] = (char)letter;
                memcpy(joined + 1, body, body_size);
                if (!fields_add(fields, kind, &cursor, joined, body_size + 1)) return false;
                text = body + body_size;
                continue;
            }
            if (isalpha((unsigned char)*body)) {
                kind = FIELD_SPECIAL;
                size = 1 + span_of(text + 1, "", false, false);
                while (isalpha((unsigned char)text[size])) size++;
                if (text + 1 != body) return false;
            } else {
                return false;
            }
        } else if (ispunct(letter)) {
            text++; /* other punctuation only separates fields */
            continue;
        } else {
            return false;
        }
        if (!fields_add(fields, kind, &cursor, text, size)) return false;
        text += size;
    }
    return true;
}

/* ---- date/time decoding ---- */

enum {
    MASK_YEAR = 1 << 0,
    MASK_MONTH = 1 << 1,
    MASK_DAY = 1 << 2,
    MASK_HOUR = 1 << 3,
    MASK_MINUTE = 1 << 4,
    MASK_SECOND = 1 << 5,
    MASK_TZ = 1 << 6,
    MASK_DOW = 1 << 7,
    MASK_AMPM = 1 << 8,
    MASK_ADBC = 1 << 9,
    MASK_DOY = 1 << 10,
    MASK_RESERVED = 1 << 11,  /* epoch, infinity, -infinity */
    MASK_DATE = MASK_YEAR | MASK_MONTH | MASK_DAY,
    MASK_TIME = MASK_HOUR | MASK_MINUTE | MASK_SECOND,
};

typedef struct Parsed {
    unsigned      mask;
    DtTm          tm;
    int           doy;
    bool          is_bc;
    bool          is_2digit_year;
    bool          is_julian;
    bool          have_text_month;
    int           meridian;
    int           special;        /* -1 none, else RES_EPOCH/RES_INFINITY/RES_NEG_INFINITY */
    bool          is_now;         /* 'now': the instant itself */
    bool          has_offset;     /* explicit numeric offset or abbreviation */
    int32_t       offset;         /* seconds east */
    const TzZone *named_zone;     /* explicit zone name */
    char          dynamic_abbrev[TZ_ABBREV_SIZE_MAX]; /* "msk": named_zone is its zone */
    bool          expect_time;    /* after 't' */
    bool          expect_julian;  /* after 'j' */
    bool          time_only;      /* time input: bare digit runs are hhmm[ss] */
    const DtSettings *settings;
    Error        *error;          /* an error that names a field rather than the input */
} Parsed;

static bool parse_int(const char *text, const char **end_out, int64_t *value_out)
{
    const char *cursor = text;
    int64_t value = 0;
    if (!isdigit((unsigned char)*cursor)) return false;
    while (isdigit((unsigned char)*cursor)) {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, *cursor++ - '0', &value)) {
            return false;
        }
    }
    *end_out = cursor;
    *value_out = value;
    return true;
}

/* ".123456789" -> microseconds, rounded half to even as rint does. */
static Status parse_fraction(const char *text, int32_t *usec_out)
{
    if (*text != '.') return STATUS_BAD_FORMAT;
    if (text[1] == '\0') {
        *usec_out = 0; /* "12:00:00." */
        return STATUS_OK;
    }
    char *end = NULL;
    double fraction = strtod(text, &end);
    if (end == text || *end != '\0') return STATUS_BAD_FORMAT;
    *usec_out = (int32_t)rint(fraction * 1000000.0);
    return STATUS_OK;
}

/* hh:mm[:ss[.ffffff]] or mm:ss.ffffff into hour/minute/second/usec. */
static Status decode_time(const char *text, int64_t *hour_out, int *minute_out, int *second_out,
                          int32_t *usec_out, bool is_interval)
{
    const char *cursor;
    int64_t hour;
    int64_t minute;
    int64_t second = 0;
    int32_t usec = 0;
    if (!parse_int(text, &cursor, &hour) || *cursor != ':') return STATUS_BAD_FORMAT;
    if (!parse_int(cursor + 1, &cursor, &minute)) return STATUS_BAD_FORMAT;
    if (*cursor == '.') {
        Status status = parse_fraction(cursor, &usec);
        if (status != STATUS_OK) return status;
        second = minute; /* mm:ss.fff */
        minute = hour;
        hour = 0;
    } else if (*cursor == ':') {
        if (!parse_int(cursor + 1, &cursor, &second)) return STATUS_BAD_FORMAT;
        if (*cursor == '.') {
            Status status = parse_fraction(cursor, &usec);
            if (status != STATUS_OK) return status;
        } else if (*cursor != '\0') {
            return STATUS_BAD_FORMAT;
        }
    } else if (*cursor != '\0') {
        return STATUS_BAD_FORMAT;
    }
    if ((hour > INT32_MAX && !is_interval) || minute > 59 || second > 60 || usec < 0 ||
        usec > 1000000) {
        return STATUS_FIELD_OVERFLOW;
    }
    *hour_out = hour;
    *minute_out = (int)minute;
    *second_out = (int)second;
    *usec_out = usec;
    return STATUS_OK;
}

static Status set_fields(Parsed *parsed, unsigned mask)
{
    if ((parsed->mask & mask) != 0) return STATUS_BAD_FORMAT;
    parsed->mask |= mask;
    return STATUS_OK;
}

static Status set_time(Parsed *parsed, const char *text)
{
    int64_t hour;
    Status status = decode_time(text, &hour, &parsed->tm.minute, &parsed->tm.second,
                                &parsed->tm.usec, false);
    if (status != STATUS_OK) return status;
    /* time input checks the hour after all fields (dt_time_in), timestamps right away */
    bool too_late = hour > 24 || (hour == 24 && (parsed->tm.minute > 0 ||
                                                 parsed->tm.second > 0 || parsed->tm.usec > 0));
    if (too_late && !parsed->time_only) return STATUS_FIELD_OVERFLOW;
    if (hour > 24) hour = 25;
    parsed->tm.hour = (int)hour;
    return set_fields(parsed, MASK_TIME);
}

/* One numeric date field; which one it is depends on what is set already and DateOrder. */
static Status decode_number(Parsed *parsed, const char *text, int64_t value, size_t length)
{
    DtDateOrder order = parsed->settings != NULL ? parsed->settings->date_order : DT_DATEORDER_MDY;
    unsigned have = parsed->mask & MASK_DATE;
    unsigned target;
    (void)text;
    if (length == 3 && have == MASK_YEAR && value >= 1 && value <= 366) {
        parsed->doy = (int)value;
        return set_fields(parsed, MASK_DOY | MASK_MONTH | MASK_DAY);
    }
    switch (have) {
    case 0:
        if (length >= 3 || order == DT_DATEORDER_YMD) target = MASK_YEAR;
        else if (order == DT_DATEORDER_DMY) target = MASK_DAY;
        else target = MASK_MONTH;
        break;
    case MASK_YEAR:
        target = MASK_MONTH;
        break;
    case MASK_MONTH:
        if (parsed->have_text_month) {
            target = (length >= 3 || order == DT_DATEORDER_YMD) ? MASK_YEAR : MASK_DAY;
        } else {
            target = MASK_DAY;
        }
        break;
    case MASK_YEAR | MASK_MONTH:
        if (parsed->have_text_month && length >= 3 && parsed->is_2digit_year) {
            /* DD-MON-YYYY: the first number was the day after all */
            parsed->tm.day = parsed->tm.year;
            parsed->tm.year = (int)value;
            parsed->is_2digit_year = false;
            return set_fields(parsed, MASK_DAY);
        }
        target = MASK_DAY;
        break;
    case MASK_DAY:
        target = parsed->have_text_month ? MASK_YEAR : MASK_MONTH;
        break;
    case MASK_YEAR | MASK_DAY:
        target = MASK_MONTH;
        break;
    case MASK_MONTH | MASK_DAY:
        target = MASK_YEAR;
        break;
    default:
        return STATUS_BAD_FORMAT;
    }
    if (value > INT32_MAX) return STATUS_FIELD_OVERFLOW;
    if (target == MASK_YEAR) {
        parsed->tm.year = (int)value;
        parsed->is_2digit_year = length <= 2;
    } else if (target == MASK_MONTH) {
        parsed->tm.month = (int)value;
    } else {
        parsed->tm.day = (int)value;
    }
    return set_fields(parsed, target);
}

/* Run-together digits (PostgreSQL's DecodeNumberField): with the date incomplete, the last two
 * digits are the day, the two before the month and the rest the year (YYYYMMDD, YYMMDD); else
 * HHMMSS or HHMM. A fraction after the digits is fractional seconds. */
static Status decode_number_run(Parsed *parsed, const char *text, size_t length)
{
    char digits_buf[INPUT_SIZE_MAX];
    const char *dot = strchr(text, '.');
    size_t digits = dot != NULL ? (size_t)(dot - text) : length;
    int32_t usec = 0;
    if (dot != NULL) {
        Status status = parse_fraction(dot, &usec);
        if (status != STATUS_OK) return status;
    }
    if (digits >= sizeof digits_buf) return STATUS_BAD_FORMAT;
    memcpy(digits_buf, text, digits);
    digits_buf[digits] = '\0';
    for (size_t idx = 0; idx < digits; idx++) {
        if (!isdigit((unsigned char)digits_buf[idx])) return STATUS_BAD_FORMAT;
    }
    if (dot == NULL && (parsed->mask & MASK_DATE) != MASK_DATE && !parsed->time_only &&
        digits >= 6) {
        parsed->tm.day = atoi(digits_buf + digits - 2);
        digits_buf[digits - 2] = '\0';
        parsed->tm.month = atoi(digits_buf + digits - 4);
        digits_buf[digits - 4] = '\0';
        long long year = digits - 4 > 12 ? -1 : strtoll(digits_buf, NULL, 10);
        if (year < 0 || year > INT32_MAX) return STATUS_FIELD_OVERFLOW;
        parsed->tm.year = (int)year;
        parsed->is_2digit_year = digits - 4 == 2;
        return set_fields(parsed, MASK_DATE);
    }
    if ((parsed->mask & MASK_TIME) != MASK_TIME && (digits == 6 || digits == 4)) {
        int parts[3] = {0, 0, 0};
        for (size_t idx = 0; idx < digits; idx++) {
            parts[idx / 2] = parts[idx / 2] * 10 + (digits_buf[idx] - '0');
        }
        parsed->tm.hour = parts[0];
        parsed->tm.minute = parts[1];
        parsed->tm.second = parts[2];
        parsed->tm.usec = usec;
        /* no range check here: PostgreSQL lets 046137 carry into the next minute */
        return set_fields(parsed, MASK_TIME);
    }
    return STATUS_BAD_FORMAT;
}

static Status decode_date(Parsed *parsed, const char *text)
{
    char copy[INPUT_SIZE_MAX];
    char *parts[FIELD_COUNT_MAX];
    char parts_buf[FIELD_COUNT_MAX][INPUT_SIZE_MAX];
    int part_count = 0;
    snprintf(copy, sizeof copy, "%s", text);
    char *cursor = copy;
    while (*cursor != '\0') {
        if (!isalnum((unsigned char)*cursor)) {
            *cursor++ = '\0';
            continue;
        }
        if (part_count >= FIELD_COUNT_MAX) return STATUS_BAD_FORMAT;
        char *start = cursor;
        bool digits = isdigit((unsigned char)*cursor) != 0;
        while (*cursor != '\0' &&
               (digits ? isdigit((unsigned char)*cursor) : isalpha((unsigned char)*cursor))) {
            cursor++;
        }
        size_t length = (size_t)(cursor - start);
        /* a digit run followed directly by letters: split by moving the run */
        memmove(parts_buf[part_count], start, length);
        parts_buf[part_count][length] = '\0';
        parts[part_count] = parts_buf[part_count];
        part_count++;
    }
    bool used[FIELD_COUNT_MAX] = {false};
    for (int part_idx = 0; part_idx < part_count; part_idx++) {
        if (!isalpha((unsigned char)parts[part_idx][0])) continue;
        const Keyword *keyword = date_keyword(parts[part_idx]);
        if (keyword == NULL) return STATUS_BAD_FORMAT;
        if (keyword->kind == KEY_MONTH) {
            parsed->tm.month = keyword->value;
            parsed->have_text_month = true;
            Status status = set_fields(parsed, MASK_MONTH);
            if (status != STATUS_OK) return status;
        } else if (keyword->kind != KEY_IGNORE) {
            return STATUS_BAD_FORMAT;
        }
        used[part_idx] = true;
    }
    for (int part_idx = 0; part_idx < part_count; part_idx++) {
        if (used[part_idx]) continue;
        const char *end;
        int64_t value;
        if (!parse_int(parts[part_idx], &end, &value) || *end != '\0') return STATUS_BAD_FORMAT;
        Status status = decode_number(parsed, parts[part_idx], value, strlen(parts[part_idx]));
        if (status != STATUS_OK) return status;
    }
    /* a date field must complete the date and may follow only a zone (PostgreSQL's rule) */
    if ((parsed->mask & ~(unsigned)(MASK_DOY | MASK_TZ)) != MASK_DATE) return STATUS_BAD_FORMAT;
    return STATUS_OK;
}

/* "+05", "-08:00", "+0530", "+05:30:15" -> seconds east. */
static Status decode_offset(const char *text, int32_t *offset_out)
{
    const char *cursor;
    int64_t hour;
    int64_t minute = 0;
    int64_t second = 0;
    if (!parse_int(text + 1, &cursor, &hour)) return STATUS_BAD_FORMAT;
    if (*cursor == ':') {
        if (!parse_int(cursor + 1, &cursor, &minute)) return STATUS_BAD_FORMAT;
        if (*cursor == ':' && !parse_int(cursor + 1, &cursor, &second)) return STATUS_BAD_FORMAT;
    } else if (*cursor == '\0' && strlen(text) > 3) {
        minute = hour % 100;
        hour /= 100;
    }
    if (hour > 15 || minute >= 60 || second >= 60) return STATUS_TZ_OVERFLOW;
    if (*cursor != '\0') return STATUS_BAD_FORMAT;
    int32_t offset = (int32_t)((hour * 60 + minute) * 60 + second);
    *offset_out = text[0] == '-' ? -offset : offset;
    return STATUS_OK;
}

Error *dt_zone_resolve_iso(const char *name, const TzZone **zone_out)
{
    if (isdigit((unsigned char)name[0])) {
        return err_set_hint(err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                    "invalid input syntax for type numeric time zone: \"%s\"",
                                    name),
                            "Numeric time zones must have \"-\" or \"+\" as first character.");
    }
    int32_t offset;
    Status status =
        (name[0] == '+' || name[0] == '-') ? decode_offset(name, &offset) : STATUS_BAD_FORMAT;
    if (status == STATUS_TZ_OVERFLOW) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "numeric time zone \"%s\" out of range",
                       name);
    }
    if (status == STATUS_OK) {
        const TzZone *zone = tz_fixed(offset);
        if (zone == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        *zone_out = zone;
        return NULL;
    }
    return dt_zone_resolve(name, zone_out);
}

static void now_local(const Parsed *parsed, DtTm *tm, int32_t *offset_out)
{
    const DtSettings *settings = parsed->settings;
    DtTimestamp now = settings != NULL ? settings->now : 0;
    int32_t offset = dt_zone_offset_at(settings != NULL ? settings->zone : NULL, now, NULL);
    dt_timestamp_to_tm(now + (int64_t)offset * DT_USECS_PER_SEC, tm);
    *offset_out = offset;
}

static Status decode_reserved(Parsed *parsed, int value)
{
    DtTm now_tm;
    int32_t offset;
    switch (value) {
    case RES_NOW:
        parsed->special = -1;
        now_local(parsed, &now_tm, &offset);
        parsed->tm = now_tm;
        parsed->is_now = true;
        parsed->has_offset = true;
        parsed->offset = offset;
        return set_fields(parsed, MASK_DATE | MASK_TIME | MASK_TZ);
    case RES_TODAY:
    case RES_TOMORROW:
    case RES_YESTERDAY: {
        parsed->special = -1; /* a later date keyword overrides an earlier 'epoch' */
        now_local(parsed, &now_tm, &offset);
        int64_t days = dt_days_from_civil(now_tm.year, now_tm.month, now_tm.day) +
                       (value == RES_TOMORROW ? 1 : (value == RES_YESTERDAY ? -1 : 0));
        dt_civil_from_days(days, &parsed->tm.year, &parsed->tm.month, &parsed->tm.day);
        parsed->is_julian = true; /* year is already astronomical */
        return set_fields(parsed, MASK_DATE);
    }
    case RES_ALLBALLS:
        parsed->tm.hour = parsed->tm.minute = parsed->tm.second = 0;
        parsed->tm.usec = 0;
        parsed->has_offset = true;
        parsed->offset = 0;
        return set_fields(parsed, MASK_TIME | MASK_TZ);
    default:
        /* PostgreSQL 15 marks only "reserved word seen": other fields are accepted and ignored */
        parsed->special = value;
        return set_fields(parsed, MASK_RESERVED);
    }
}

static Status decode_word(Parsed *parsed, const char *word, int field_idx, const Fields *fields)
{
    int32_t offset;
    if (tz_abbrev_lookup(word, &offset, NULL)) {
        parsed->has_offset = true;
        parsed->offset = offset;
        return set_fields(parsed, MASK_TZ);
    }
    const char *abbrev_zone = tz_abbrev_zone(word);
    if (abbrev_zone != NULL) {
        Error *err = tz_load(abbrev_zone, &parsed->named_zone);
        if (err != NULL) {
            err_free(err);
            return STATUS_BAD_FORMAT;
        }
        snprintf(parsed->dynamic_abbrev, sizeof parsed->dynamic_abbrev, "%s", word);
        return set_fields(parsed, MASK_TZ);
    }
    const Keyword *keyword = date_keyword(word);
    if (keyword == NULL) {
        /* an all-letter zone name ("Japan") */
        const TzZone *zone;
        Error *err = tz_load(word, &zone);
        if (err != NULL) {
            err_free(err);
            return STATUS_BAD_FORMAT;
        }
        parsed->named_zone = zone;
        return set_fields(parsed, MASK_TZ);
    }
    switch (keyword->kind) {
    case KEY_MONTH:
        if ((parsed->mask & MASK_MONTH) && !parsed->have_text_month && !(parsed->mask & MASK_DAY) &&
            parsed->tm.month >= 1 && parsed->tm.month <= 31) {
            /* "2 feb": the number taken for a month was the day */
            parsed->tm.day = parsed->tm.month;
            parsed->tm.month = keyword->value;
            parsed->have_text_month = true;
            return set_fields(parsed, MASK_DAY);
        }
        parsed->have_text_month = true;
        parsed->tm.month = keyword->value;
        return set_fields(parsed, MASK_MONTH);
    case KEY_DOW:
        return set_fields(parsed, MASK_DOW);
    case KEY_AMPM:
        parsed->meridian = keyword->value;
        return set_fields(parsed, MASK_AMPM);
    case KEY_ADBC:
        parsed->is_bc = keyword->value == 1;
        return set_fields(parsed, MASK_ADBC);
    case KEY_RESERVED:
        return decode_reserved(parsed, keyword->value);
    case KEY_ISOTIME:
        if (((parsed->mask & MASK_DATE) != MASK_DATE && !parsed->time_only) ||
            field_idx + 1 >= fields->count) {
            return STATUS_BAD_FORMAT;
        }
        if (fields->kinds[field_idx + 1] != FIELD_NUMBER &&
            fields->kinds[field_idx + 1] != FIELD_TIME &&
            fields->kinds[field_idx + 1] != FIELD_DATE) {
            return STATUS_BAD_FORMAT;
        }
        parsed->expect_time = true;
        return STATUS_OK;
    case KEY_JULIAN:
        parsed->expect_julian = true;
        return STATUS_OK;
    default:
        return STATUS_OK;
    }
}

static Status decode_numeric_field(Parsed *parsed, const char *text)
{
    size_t length = strlen(text);
    if (parsed->expect_julian) {
        const char *end;
        int64_t julian;
        parsed->expect_julian = false;
        if (!parse_int(text, &end, &julian) || (*end != '\0' && *end != '.')) {
            return STATUS_BAD_FORMAT;
        }
        if (julian > INT32_MAX) return STATUS_FIELD_OVERFLOW;
        dt_civil_from_days(julian - DT_EPOCH_JULIAN, &parsed->tm.year, &parsed->tm.month,
                           &parsed->tm.day);
        parsed->is_julian = true;
        if (*end == '.') {
            /* fractional day: the time of day */
            char *fraction_end = NULL;
            double fraction = strtod(end, &fraction_end);
            if (*fraction_end != '\0') return STATUS_BAD_FORMAT;
            int64_t usecs = (int64_t)rint(fraction * (double)DT_USECS_PER_DAY);
            parsed->tm.hour = (int)(usecs / DT_USECS_PER_HOUR);
            parsed->tm.minute = (int)(usecs / DT_USECS_PER_MINUTE % 60);
            parsed->tm.second = (int)(usecs / DT_USECS_PER_SEC % 60);
            parsed->tm.usec = (int32_t)(usecs % DT_USECS_PER_SEC);
            return set_fields(parsed, MASK_DATE | MASK_TIME);
        }
        return set_fields(parsed, MASK_DATE);
    }
    if (parsed->expect_time) {
        parsed->expect_time = false;
        return decode_number_run(parsed, text, length);
    }
    const char *dot = strchr(text, '.');
    if (parsed->time_only && (parsed->mask & MASK_TIME) == 0 &&
        ((dot == NULL ? length : (size_t)(dot - text)) == 4 ||
         (dot == NULL ? length : (size_t)(dot - text)) == 6)) {
        return decode_number_run(parsed, text, length);
    }
    if (dot != NULL && !(parsed->mask & MASK_DATE)) return decode_date(parsed, text);
    if (dot != NULL && (size_t)(dot - text) > 2) return decode_number_run(parsed, text, length);
    if (dot != NULL) return STATUS_BAD_FORMAT;
    if (length >= 6 && (!(parsed->mask & MASK_DATE) || (parsed->mask & MASK_TIME) != MASK_TIME)) {
        return decode_number_run(parsed, text, length);
    }
    if ((parsed->mask & MASK_DATE) == MASK_DATE) return decode_number_run(parsed, text, length);
    const char *end;
    int64_t value;
    if (!parse_int(text, &end, &value)) return STATUS_BAD_FORMAT;
    return decode_number(parsed, text, value, length);
}

/* Is a date-like field a time zone name or "hhmmss-zz" rather than a date? For time input
 * only a leading field followed by a time is a date; otherwise once month and day are known. */
static bool date_field_is_zone(const Parsed *parsed, const Fields *fields, int field_idx)
{
    if (parsed->time_only) {
        bool leading_date = field_idx == 0 && fields->count >= 2 &&
                            (fields->kinds[fields->count - 1] == FIELD_DATE ||
                             fields->kinds[1] == FIELD_TIME);
        return !leading_date;
    }
    return parsed->expect_time ||
           (parsed->mask & (MASK_MONTH | MASK_DAY)) == (MASK_MONTH | MASK_DAY);
}

/* "104651-0800": run-together time with a numeric zone. */
static Status decode_time_with_zone(Parsed *parsed, const char *text)
{
    const char *dash = strchr(text, '-');
    if (dash == NULL) return STATUS_BAD_FORMAT;
    int32_t offset;
    Status status = decode_offset(dash, &offset);
    if (status != STATUS_OK) return status;
    char digits[INPUT_SIZE_MAX];
    snprintf(digits, sizeof digits, "%.*s", (int)(dash - text), text);
    parsed->expect_time = false;
    status = decode_number_run(parsed, digits, strlen(digits));
    if (status != STATUS_OK) return status;
    parsed->has_offset = true;
    parsed->offset = offset;
    return set_fields(parsed, MASK_TZ);
}

static Status decode_field(Parsed *parsed, const Fields *fields, int field_idx)
{
    const char *text = fields->texts[field_idx];
    switch (fields->kinds[field_idx]) {
    case FIELD_DATE:
        if (date_field_is_zone(parsed, fields, field_idx)) {
            if (isdigit((unsigned char)text[0]) || parsed->expect_time) {
                return decode_time_with_zone(parsed, text);
            }
            const TzZone *zone;
            Error *err = tz_load(text, &zone);
            if (err != NULL) {
                err_free(err);
                parsed->error = err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                        "time zone \"%s\" not recognized", text);
                return STATUS_BAD_FORMAT;
            }
            parsed->named_zone = zone;
            return set_fields(parsed, MASK_TZ);
        }
        return decode_date(parsed, text);
    case FIELD_TIME:
        parsed->expect_time = false;
        return set_time(parsed, text);
    case FIELD_TZ: {
        int32_t offset;
        Status status = decode_offset(text, &offset);
        if (status != STATUS_OK) return status;
        parsed->has_offset = true;
        parsed->offset = offset;
        return set_fields(parsed, MASK_TZ);
    }
    case FIELD_NUMBER:
        return decode_numeric_field(parsed, text);
    case FIELD_STRING:
    case FIELD_SPECIAL:
        return decode_word(parsed, text, field_idx, fields);
    }
    return STATUS_BAD_FORMAT;
}

/* Years to astronomical numbering, month/day ranges (PostgreSQL's ValidateDate). */
static Status validate_date(Parsed *parsed)
{
    DtTm *tm = &parsed->tm;
    if (parsed->mask & MASK_YEAR) {
        if (parsed->is_julian) {
            /* already astronomical */
        } else if (parsed->is_bc) {
            if (tm->year <= 0) return STATUS_FIELD_OVERFLOW;
            tm->year = -(tm->year - 1);
        } else if (parsed->is_2digit_year) {
            if (tm->year < 70) tm->year += 2000;
            else if (tm->year < 100) tm->year += 1900;
        } else if (tm->year <= 0) {
            return STATUS_FIELD_OVERFLOW;
        }
    }
    if (parsed->mask & MASK_DOY) {
        int64_t days = dt_days_from_civil(tm->year, 1, 1) + parsed->doy - 1;
        dt_civil_from_days(days, &tm->year, &tm->month, &tm->day);
    }
    if ((parsed->mask & MASK_MONTH) && (tm->month < 1 || tm->month > 12)) {
        return STATUS_MD_FIELD_OVERFLOW;
    }
    if ((parsed->mask & MASK_DAY) && (tm->day < 1 || tm->day > 31)) return STATUS_MD_FIELD_OVERFLOW;
    if ((parsed->mask & MASK_DATE) == MASK_DATE && tm->day > dt_month_length(tm->year, tm->month)) {
        return STATUS_FIELD_OVERFLOW;
    }
    return STATUS_OK;
}

static Status decode_datetime(const char *text, const DtSettings *settings, Parsed *parsed,
                              bool time_only)
{
    Fields fields;
    *parsed = (Parsed){.special = -1, .settings = settings, .time_only = time_only};
    if (!split_fields(text, &fields)) return STATUS_BAD_FORMAT;
    for (int field_idx = 0; field_idx < fields.count; field_idx++) {
        Status status = decode_field(parsed, &fields, field_idx);
        if (status != STATUS_OK) return status;
    }
    if (parsed->expect_time || parsed->expect_julian) return STATUS_BAD_FORMAT;
    if (parsed->special >= 0) return STATUS_OK;
    Status status = validate_date(parsed);
    if (status != STATUS_OK) return status;
    if (parsed->meridian != MER_NONE && parsed->tm.hour > 12) return STATUS_FIELD_OVERFLOW;
    if (parsed->meridian == MER_AM && parsed->tm.hour == 12) parsed->tm.hour = 0;
    else if (parsed->meridian == MER_PM && parsed->tm.hour != 12) parsed->tm.hour += 12;
    if (parsed->special >= 0) return STATUS_OK;
    if (time_only) {
        if ((parsed->mask & MASK_TIME) != MASK_TIME) return STATUS_BAD_FORMAT;
        return STATUS_OK;
    }
    if ((parsed->mask & MASK_DATE) != MASK_DATE) return STATUS_BAD_FORMAT;
    return STATUS_OK;
}

static Error *report(Status status, Parsed *parsed, const char *type_name, const char *text)
{
    if (parsed != NULL && parsed->error != NULL) return parsed->error;
    switch (status) {
    case STATUS_FIELD_OVERFLOW:
        return dt_err_field(text);
    case STATUS_MD_FIELD_OVERFLOW:
        return err_set_hint(dt_err_field(text),
                            "Perhaps you need a different \"datestyle\" setting.");
    case STATUS_TZ_OVERFLOW:
        return err_new(SQLSTATE_INVALID_TIME_ZONE_DISPLACEMENT_VALUE,
                       "time zone displacement out of range: \"%s\"", text);
    case STATUS_INTERVAL_OVERFLOW:
        return err_new(SQLSTATE_INTERVAL_FIELD_OVERFLOW,
                       "interval field value out of range: \"%s\"", text);
    default:
        return dt_err_syntax(type_name, text);
    }
}

Error *dt_date_in(const char *text, const DtSettings *settings, DtDate *value_out)
{
    Parsed parsed;
    Status status = decode_datetime(text, settings, &parsed, false);
    if (status != STATUS_OK) return report(status, &parsed, "date", text);
    if (parsed.special == RES_INFINITY) *value_out = DT_DATE_NOEND;
    else if (parsed.special == RES_NEG_INFINITY) *value_out = DT_DATE_NOBEGIN;
    else if (parsed.special == RES_EPOCH) *value_out = -10957;
    else {
        int64_t days = dt_days_from_civil(parsed.tm.year, parsed.tm.month, parsed.tm.day);
        if (!dt_date_in_range(days)) {
            return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "date out of range: \"%s\"", text);
        }
        *value_out = (DtDate)days;
    }
    return NULL;
}

Error *dt_time_in(const char *text, const DtSettings *settings, int precision, DtTime *value_out)
{
    Parsed parsed;
    Status status = decode_datetime(text, settings, &parsed, true);
    if (status == STATUS_OK && parsed.special >= 0) status = STATUS_BAD_FORMAT;
    if (status != STATUS_OK) return report(status, &parsed, "time", text);
    DtTm *tm = &parsed.tm;
    if (tm->hour > 24 || tm->minute > 59 || tm->second > 60 ||
        (tm->hour == 24 && (tm->minute > 0 || tm->second > 0 || tm->usec > 0))) {
        return dt_err_field(text);
    }
    int32_t fixed;
    if (parsed.named_zone != NULL && parsed.dynamic_abbrev[0] == '\0' &&
        (parsed.mask & MASK_DATE) != MASK_DATE && !tz_fixed_offset(parsed.named_zone, &fixed)) {
        return dt_err_syntax("time", text); /* a zone with DST needs a date to mean anything */
    }
    int64_t value = ((int64_t)tm->hour * 60 + tm->minute) * DT_USECS_PER_MINUTE +
                    (int64_t)tm->second * DT_USECS_PER_SEC + tm->usec;
    if (value > DT_USECS_PER_DAY) return dt_err_field(text);
    *value_out = dt_time_round(value, precision);
    return NULL;
}

/* The UTC offset for parsed local fields: explicit offset, named zone or session zone. */
static int32_t parsed_offset(const Parsed *parsed, DtTimestamp local)
{
    if (parsed->has_offset) return parsed->offset;
    if (parsed->named_zone != NULL && parsed->dynamic_abbrev[0] != '\0') {
        /* what the abbreviation last meant in its zone, else the zone's own rules */
        int32_t offset;
        int64_t secs = dt_floor_div(local, DT_USECS_PER_SEC) + DT_UNIX_EPOCH_OFFSET_USECS / 1000000;
        if (tz_abbrev_offset_before(parsed->named_zone, parsed->dynamic_abbrev, secs, &offset)) {
            return offset;
        }
    }
    if (parsed->named_zone != NULL) return dt_zone_local_offset(parsed->named_zone, local);
    return dt_zone_local_offset(parsed->settings != NULL ? parsed->settings->zone : NULL, local);
}

/* Local fields -> microseconds, checked only against PostgreSQL's Julian-day limits (November
 * 4714 BC to June 5874898) and int64 overflow; the caller range-checks the final value. */
static bool tm_to_local_loose(const DtTm *tm, DtTimestamp *local_out)
{
    int64_t days = dt_days_from_civil(tm->year, tm->month, tm->day);
    if (days < dt_days_from_civil(-4713, 11, 1) || days >= dt_days_from_civil(5874898, 6, 1)) {
        return false;
    }
    int64_t time = ((int64_t)tm->hour * 60 + tm->minute) * DT_USECS_PER_MINUTE +
                   (int64_t)tm->second * DT_USECS_PER_SEC + tm->usec;
    int64_t local;
    if (__builtin_mul_overflow(days, DT_USECS_PER_DAY, &local) ||
        __builtin_add_overflow(local, time, &local)) {
        return false;
    }
    *local_out = local;
    return true;
}

static Error *timestamp_in(const char *text, const DtSettings *settings, int precision,
                           bool with_zone, DtTimestamp *value_out)
{
    const char *type_name = with_zone ? "timestamp with time zone" : "timestamp";
    Parsed parsed;
    Status status = decode_datetime(text, settings, &parsed, false);
    if (status != STATUS_OK) return report(status, &parsed, type_name, text);
    if (parsed.special == RES_INFINITY) {
        *value_out = DT_TIMESTAMP_NOEND;
        return NULL;
    }
    if (parsed.special == RES_NEG_INFINITY) {
        *value_out = DT_TIMESTAMP_NOBEGIN;
        return NULL;
    }
    if (parsed.special == RES_EPOCH) {
        *value_out = -DT_UNIX_EPOCH_OFFSET_USECS;
        return NULL;
    }
    if (parsed.is_now && with_zone) {
        *value_out = settings != NULL ? settings->now : 0;
        return dt_timestamp_round(*value_out, precision, value_out);
    }
    DtTimestamp local;
    if (!tm_to_local_loose(&parsed.tm, &local)) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%s\"", text);
    }
    DtTimestamp value = local;
    if (with_zone) value = local - (int64_t)parsed_offset(&parsed, local) * DT_USECS_PER_SEC;
    if (!dt_timestamp_in_range(value)) {
        /* only the UTC value must be in range: 4714-11-23 23:00-05 BC is fine */
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%s\"", text);
    }
    return dt_timestamp_round(value, precision, value_out);
}

Error *dt_timestamp_in(const char *text, const DtSettings *settings, int precision,
                       DtTimestamp *value_out)
{
    return timestamp_in(text, settings, precision, false, value_out);
}

Error *dt_timestamptz_in(const char *text, const DtSettings *settings, int precision,
                         DtTimestamp *value_out)
{
    return timestamp_in(text, settings, precision, true, value_out);
}

/* ---- interval ---- */

typedef enum Unit {
    UNIT_NONE, UNIT_MICROSECOND, UNIT_MILLISECOND, UNIT_SECOND, UNIT_MINUTE, UNIT_HOUR, UNIT_DAY,
    UNIT_WEEK, UNIT_MONTH, UNIT_YEAR, UNIT_DECADE, UNIT_CENTURY, UNIT_MILLENNIUM, UNIT_AGO,
} Unit;

typedef struct UnitWord {
    const char *word;
    Unit        unit;
} UnitWord;

static const UnitWord unit_words[] = {
    {"@", UNIT_NONE}, {"ago", UNIT_AGO}, {"c", UNIT_CENTURY}, {"cent", UNIT_CENTURY},
    {"centuries", UNIT_CENTURY}, {"century", UNIT_CENTURY}, {"d", UNIT_DAY}, {"day", UNIT_DAY},
    {"days", UNIT_DAY}, {"dec", UNIT_DECADE}, {"decade", UNIT_DECADE}, {"decades", UNIT_DECADE},
    {"decs", UNIT_DECADE}, {"h", UNIT_HOUR}, {"hour", UNIT_HOUR}, {"hours", UNIT_HOUR},
    {"hr", UNIT_HOUR}, {"hrs", UNIT_HOUR}, {"m", UNIT_MINUTE}, {"microsecon", UNIT_MICROSECOND},
    {"mil", UNIT_MILLENNIUM}, {"millennia", UNIT_MILLENNIUM}, {"millennium", UNIT_MILLENNIUM},
    {"millisecon", UNIT_MILLISECOND}, {"mils", UNIT_MILLENNIUM}, {"min", UNIT_MINUTE},
    {"mins", UNIT_MINUTE}, {"minute", UNIT_MINUTE}, {"minutes", UNIT_MINUTE},
    {"mon", UNIT_MONTH}, {"mons", UNIT_MONTH}, {"month", UNIT_MONTH}, {"months", UNIT_MONTH},
    {"ms", UNIT_MILLISECOND}, {"msec", UNIT_MILLISECOND}, {"msecond", UNIT_MILLISECOND},
    {"mseconds", UNIT_MILLISECOND}, {"msecs", UNIT_MILLISECOND}, {"s", UNIT_SECOND},
    {"sec", UNIT_SECOND}, {"second", UNIT_SECOND}, {"seconds", UNIT_SECOND},
    {"secs", UNIT_SECOND}, {"us", UNIT_MICROSECOND}, {"usec", UNIT_MICROSECOND},
    {"usecond", UNIT_MICROSECOND}, {"useconds", UNIT_MICROSECOND}, {"usecs", UNIT_MICROSECOND},
    {"w", UNIT_WEEK}, {"week", UNIT_WEEK}, {"weeks", UNIT_WEEK}, {"y", UNIT_YEAR},
    {"year", UNIT_YEAR}, {"years", UNIT_YEAR}, {"yr", UNIT_YEAR}, {"yrs", UNIT_YEAR},
};

static bool find_unit(const char *word, Unit *unit_out)
{
    for (size_t unit_idx = 0; unit_idx < sizeof unit_words / sizeof unit_words[0]; unit_idx++) {
        if (strncmp(unit_words[unit_idx].word, word, TOKEN_SIZE_MAX) == 0) {
            *unit_out = unit_words[unit_idx].unit;
            return true;
        }
    }
    return false;
}

/* Interval fields while parsing, with PostgreSQL's widths (years and months int32). */
typedef struct ItmIn {
    int64_t usec;
    int32_t day;
    int32_t month;
    int32_t year;
} ItmIn;

static bool add_fract_usecs(ItmIn *itm, double fraction, int64_t scale)
{
    if (fraction == 0) return true;
    fraction *= (double)scale;
    if (!(fraction > -9.2e18 && fraction < 9.2e18)) return false;
    int64_t usec = (int64_t)fraction;
    fraction -= (double)usec;
    usec += (int64_t)rint(fraction);
    return !__builtin_add_overflow(itm->usec, usec, &itm->usec);
}

static bool add_usecs(ItmIn *itm, int64_t value, double fraction, int64_t scale)
{
    int64_t product;
    if (__builtin_mul_overflow(value, scale, &product) ||
        __builtin_add_overflow(itm->usec, product, &itm->usec)) {
        return false;
    }
    return add_fract_usecs(itm, fraction, scale);
}

static bool add_days(ItmIn *itm, int64_t value, int scale)
{
    int64_t product = value * scale;
    if (value > INT32_MAX || value < INT32_MIN || product > INT32_MAX || product < INT32_MIN) {
        return false;
    }
    return !__builtin_add_overflow(itm->day, (int32_t)product, &itm->day);
}

static bool add_fract_days(ItmIn *itm, double fraction, int scale)
{
    if (fraction == 0) return true;
    fraction *= scale;
    if (!(fraction > -2.1e9 && fraction < 2.1e9)) return false;
    int extra = (int)fraction;
    if (__builtin_add_overflow(itm->day, extra, &itm->day)) return false;
    return add_fract_usecs(itm, fraction - extra, DT_USECS_PER_DAY);
}

static bool add_months(ItmIn *itm, int64_t value)
{
    if (value > INT32_MAX || value < INT32_MIN) return false;
    return !__builtin_add_overflow(itm->month, (int32_t)value, &itm->month);
}

static bool add_years(ItmIn *itm, int64_t value, int scale, double fraction)
{
    int64_t product = value * scale;
    if (value > INT32_MAX || value < INT32_MIN || product > INT32_MAX || product < INT32_MIN ||
        __builtin_add_overflow(itm->year, (int32_t)product, &itm->year)) {
        return false;
    }
    if (fraction == 0) return true;
    double extra = rint(fraction * scale * 12);
    if (!(extra > -2.1e9 && extra < 2.1e9)) return false;
    return !__builtin_add_overflow(itm->month, (int32_t)extra, &itm->month);
}

static bool apply_unit(ItmIn *itm, Unit unit, int64_t value, double fraction)
{
    switch (unit) {
    case UNIT_MICROSECOND: return add_usecs(itm, value, fraction, 1);
    case UNIT_MILLISECOND: return add_usecs(itm, value, fraction, 1000);
    case UNIT_SECOND: return add_usecs(itm, value, fraction, DT_USECS_PER_SEC);
    case UNIT_MINUTE: return add_usecs(itm, value, fraction, DT_USECS_PER_MINUTE);
    case UNIT_HOUR: return add_usecs(itm, value, fraction, DT_USECS_PER_HOUR);
    case UNIT_DAY:
        return add_days(itm, value, 1) && add_fract_usecs(itm, fraction, DT_USECS_PER_DAY);
    case UNIT_WEEK: return add_days(itm, value, 7) && add_fract_days(itm, fraction, 7);
    case UNIT_MONTH:
        return add_months(itm, value) && add_fract_days(itm, fraction, DT_DAYS_PER_MONTH);
    case UNIT_YEAR: return add_years(itm, value, 1, fraction);
    case UNIT_DECADE: return add_years(itm, value, 10, fraction);
    case UNIT_CENTURY: return add_years(itm, value, 100, fraction);
    case UNIT_MILLENNIUM: return add_years(itm, value, 1000, fraction);
    default: return false;
    }
}

static unsigned unit_mask(Unit unit, double fraction)
{
    switch (unit) {
    case UNIT_MICROSECOND: return 1u << 0;
    case UNIT_MILLISECOND: return 1u << 1;
    case UNIT_SECOND: return fraction == 0 ? 1u << 2 : (1u << 0) | (1u << 1) | (1u << 2);
    case UNIT_MINUTE: return 1u << 3;
    case UNIT_HOUR: return 1u << 4;
    case UNIT_DAY: return 1u << 5;
    case UNIT_WEEK: return 1u << 6;
    case UNIT_MONTH: return 1u << 7;
    case UNIT_YEAR: return 1u << 8;
    case UNIT_DECADE: return 1u << 9;
    case UNIT_CENTURY: return 1u << 10;
    case UNIT_MILLENNIUM: return 1u << 11;
    default: return 0;
    }
}

enum { INTERVAL_TIME_MASK = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) };

/* hh:mm[:ss.fff] of an interval: hours unbounded. */
static Status interval_time(const char *text, int range, int64_t *usec_out)
{
    int64_t hour;
    int minute;
    int second;
    int32_t usec;
    Status status = decode_time(text, &hour, &minute, &second, &usec, true);
    if (status != STATUS_OK) return status;
    if (range == (DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND) &&
        strchr(strchr(text, ':') + 1, ':') == NULL && strchr(text, '.') == NULL) {
        /* MINUTE TO SECOND reads "mm:ss" */
        second = minute;
        minute = (int)hour;
        hour = 0;
    }
    int64_t total;
    if (__builtin_mul_overflow(hour, DT_USECS_PER_HOUR, &total) ||
        __builtin_add_overflow(
            total, minute * DT_USECS_PER_MINUTE + second * DT_USECS_PER_SEC + usec, &total)) {
        return STATUS_INTERVAL_OVERFLOW;
    }
    *usec_out = total;
    return STATUS_OK;
}

static Status interval_number(ItmIn *itm, const char *text, Unit *unit, bool force_negative,
                              unsigned *mask_out)
{
    const char *cursor = text;
    bool negative = false;
    if (*cursor == '+' || *cursor == '-') negative = *cursor++ == '-';
    int64_t value = 0;
    double fraction = 0;
    const char *end;
    if (isdigit((unsigned char)*cursor)) {
        if (!parse_int(cursor, &end, &value)) {
            /* only -9223372036854775808 fits as a negative */
            if (!negative || strncmp(cursor, "9223372036854775808", 19) != 0 ||
                isdigit((unsigned char)cursor[19])) {
                return STATUS_INTERVAL_OVERFLOW;
            }
            end = cursor + 19;
            value = INT64_MIN;
            negative = false;
        }
    } else if (*cursor == '.') {
        end = cursor;
    } else {
        return STATUS_BAD_FORMAT;
    }
    if (negative) value = -value;
    if (*end == '-') {
        /* SQL year-month "1-2" */
        int64_t months;
        const char *after;
        if (!parse_int(end + 1, &after, &months) || *after != '\0') return STATUS_BAD_FORMAT;
        if (months >= 12) return STATUS_INTERVAL_OVERFLOW;
        *unit = UNIT_MONTH;
        if (negative) months = -months;
        if (__builtin_mul_overflow(value, 12, &value) ||
            __builtin_add_overflow(value, months, &value)) {
            return STATUS_INTERVAL_OVERFLOW;
        }
    } else if (*end == '.' && end[1] == '\0') {
        fraction = 0; /* "5." */
    } else if (*end == '.') {
        char *fraction_end = NULL;
        fraction = strtod(end, &fraction_end);
        if (fraction_end == end || *fraction_end != '\0') return STATUS_BAD_FORMAT;
        if (negative) fraction = -fraction;
    } else if (*end != '\0') {
        return STATUS_BAD_FORMAT;
    }
    if (force_negative) {
        if (value > 0) value = -value;
        if (fraction > 0) fraction = -fraction;
    }
    if (!apply_unit(itm, *unit, value, fraction)) return STATUS_INTERVAL_OVERFLOW;
    *mask_out = unit_mask(*unit, fraction);
    if (*unit == UNIT_HOUR) *unit = UNIT_DAY;
    return STATUS_OK;
}

/* The unit of a bare rightmost number under an interval's field restriction. */
static Unit range_default_unit(int range)
{
    switch (range) {
    case DT_INTERVAL_MASK_YEAR: return UNIT_YEAR;
    case DT_INTERVAL_MASK_MONTH:
    case DT_INTERVAL_MASK_YEAR | DT_INTERVAL_MASK_MONTH: return UNIT_MONTH;
    case DT_INTERVAL_MASK_DAY: return UNIT_DAY;
    case DT_INTERVAL_MASK_HOUR:
    case DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR: return UNIT_HOUR;
    case DT_INTERVAL_MASK_MINUTE:
    case DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE:
    case DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE: return UNIT_MINUTE;
    default: return UNIT_SECOND;
    }
}

static Status decode_interval(const char *text, const DtSettings *settings, int range, ItmIn *itm,
                              int *special_out)
{
    Fields fields;
    *itm = (ItmIn){0};
    *special_out = -1;
    if (!split_fields(text, &fields)) return STATUS_BAD_FORMAT;
    bool force_negative = false;
    if (settings != NULL && settings->interval_style == DT_INTERVALSTYLE_SQL_STANDARD &&
        fields.count > 0 && fields.texts[0][0] == '-') {
        force_negative = true;
        for (int field_idx = 1; field_idx < fields.count; field_idx++) {
            if (fields.texts[field_idx][0] == '-' || fields.texts[field_idx][0] == '+') {
                force_negative = false;
            }
        }
    }
    unsigned mask = 0;
    Unit unit = UNIT_NONE;
    bool pending_unit = false;
    bool is_before = false;
    for (int field_idx = fields.count - 1; field_idx >= 0; field_idx--) {
        const char *field = fields.texts[field_idx];
        unsigned field_mask = 0;
        FieldKind kind = fields.kinds[field_idx];
        if (kind == FIELD_TIME || (kind == FIELD_TZ && strchr(field + 1, ':') != NULL)) {
            int64_t usec;
            Status status = interval_time(kind == FIELD_TZ ? field + 1 : field, range, &usec);
            if (status != STATUS_OK) return kind == FIELD_TZ ? STATUS_BAD_FORMAT : status;
            if (kind == FIELD_TZ && field[0] == '-') usec = -usec;
            if (force_negative && usec > 0) usec = -usec;
            if (__builtin_add_overflow(itm->usec, usec, &itm->usec)) {
                return STATUS_INTERVAL_OVERFLOW;
            }
            field_mask = INTERVAL_TIME_MASK;
            unit = UNIT_DAY;
            pending_unit = false;
        } else if (kind == FIELD_TZ || kind == FIELD_DATE || kind == FIELD_NUMBER) {
            if (unit == UNIT_NONE) unit = range_default_unit(range);
            if (unit == UNIT_AGO) return STATUS_BAD_FORMAT;
            Status status = interval_number(itm, field, &unit, force_negative, &field_mask);
            if (status != STATUS_OK) return status;
            pending_unit = false;
        } else {
            if (pending_unit) return STATUS_BAD_FORMAT;
            Unit word_unit;
            if (!find_unit(field, &word_unit)) return STATUS_BAD_FORMAT;
            if (word_unit == UNIT_AGO) {
                is_before = true;
                unit = UNIT_AGO; /* a number right before "ago" has no unit */
            } else if (word_unit != UNIT_NONE) {
                unit = word_unit;
                pending_unit = true;
            }
        }
        if (mask & field_mask) return STATUS_BAD_FORMAT;
        mask |= field_mask;
    }
    if (mask == 0 || pending_unit) return STATUS_BAD_FORMAT;
    if (is_before) {
        if (itm->usec == INT64_MIN || itm->day == INT32_MIN || itm->month == INT32_MIN ||
            itm->year == INT32_MIN) {
            return STATUS_INTERVAL_OVERFLOW;
        }
        *itm = (ItmIn){-itm->usec, -itm->day, -itm->month, -itm->year};
    }
    return STATUS_OK;
}

/* ISO 8601: P[nY][nM][nW][nD][T[nH][nM][nS]] or the alternative P[YYYY-MM-DD][Thh:mm:ss]. */
static bool iso_number(const char **cursor, int64_t *value_out, double *fraction_out)
{
    char *end = NULL;
    double value = strtod(*cursor, &end);
    if (end == *cursor || !(value > -9.2e18 && value < 9.2e18)) return false;
    const char *start = *cursor;
    if (*start == '+' || *start == '-' || *start == '.' || isdigit((unsigned char)*start)) {
        *value_out = (int64_t)value;
        *fraction_out = value - (double)*value_out;
        *cursor = end;
        return true;
    }
    return false;
}

static Status iso_alternative(ItmIn *itm, const char **cursor, bool time_part, int64_t value,
                              double fraction)
{
    /* value was read as the first field of an alternative-format segment */
    const char *text = *cursor;
    if (!time_part) {
        if (!add_years(itm, value, 1, fraction)) return STATUS_INTERVAL_OVERFLOW;
        if (*text == '-') {
            text++;
            if (!iso_number(&text, &value, &fraction)) return STATUS_BAD_FORMAT;
            if (!add_months(itm, value) || !add_fract_days(itm, fraction, DT_DAYS_PER_MONTH)) {
                return STATUS_INTERVAL_OVERFLOW;
            }
            if (*text == '-') {
                text++;
                if (!iso_number(&text, &value, &fraction)) return STATUS_BAD_FORMAT;
                if (!add_days(itm, value, 1) || !add_fract_usecs(itm, fraction, DT_USECS_PER_DAY)) {
                    return STATUS_INTERVAL_OVERFLOW;
                }
            }
        }
    } else {
        if (!add_usecs(itm, value, fraction, DT_USECS_PER_HOUR)) return STATUS_INTERVAL_OVERFLOW;
        if (*text == ':') {
            text++;
            if (!iso_number(&text, &value, &fraction)) return STATUS_BAD_FORMAT;
            if (!add_usecs(itm, value, fraction, DT_USECS_PER_MINUTE)) {
                return STATUS_INTERVAL_OVERFLOW;
            }
            if (*text == ':') {
                text++;
                if (!iso_number(&text, &value, &fraction)) return STATUS_BAD_FORMAT;
                if (!add_usecs(itm, value, fraction, DT_USECS_PER_SEC)) {
                    return STATUS_INTERVAL_OVERFLOW;
                }
            }
        }
    }
    *cursor = text;
    return STATUS_OK;
}

static Status decode_iso_interval(const char *text, ItmIn *itm)
{
    *itm = (ItmIn){0};
    if (*text != 'P') return STATUS_BAD_FORMAT;
    const char *cursor = text + 1;
    bool time_part = false;
    bool any = false;
    while (*cursor != '\0') {
        if (*cursor == 'T') {
            if (time_part) return STATUS_BAD_FORMAT;
            time_part = true;
            cursor++;
            continue;
        }
        int64_t value;
        double fraction;
        if (!iso_number(&cursor, &value, &fraction)) return STATUS_BAD_FORMAT;
        char designator = *cursor;
        bool ok = true;
        if (designator == '\0' || designator == '-' || designator == ':' ||
            (designator == 'T' && !time_part)) {
            Status status = iso_alternative(itm, &cursor, time_part, value, fraction);
            if (status != STATUS_OK) return status;
            any = true;
            continue;
        }
        cursor++;
        if (!time_part) {
            switch (designator) {
            case 'Y': ok = add_years(itm, value, 1, fraction); break;
            case 'M':
                ok = add_months(itm, value) && add_fract_days(itm, fraction, DT_DAYS_PER_MONTH);
                break;
            case 'W': ok = add_days(itm, value, 7) && add_fract_days(itm, fraction, 7); break;
            case 'D':
                ok = add_days(itm, value, 1) && add_fract_usecs(itm, fraction, DT_USECS_PER_DAY);
                break;
            default: return STATUS_BAD_FORMAT;
            }
        } else {
            switch (designator) {
            case 'H': ok = add_usecs(itm, value, fraction, DT_USECS_PER_HOUR); break;
            case 'M': ok = add_usecs(itm, value, fraction, DT_USECS_PER_MINUTE); break;
            case 'S': ok = add_usecs(itm, value, fraction, DT_USECS_PER_SEC); break;
            default: return STATUS_BAD_FORMAT;
            }
        }
        if (!ok) return STATUS_INTERVAL_OVERFLOW;
        any = true;
    }
    if (!any && !time_part) return STATUS_BAD_FORMAT;
    return STATUS_OK;
}

Error *dt_interval_in(const char *text, const DtSettings *settings, int precision,
                      DtInterval *value_out)
{
    return dt_interval_in_range(text, settings, DT_INTERVAL_RANGE_FULL, precision, value_out);
}

Error *dt_interval_in_range(const char *text, const DtSettings *settings, int range,
                            int precision, DtInterval *value_out)
{
    ItmIn itm;
    int special;
    Status status = decode_interval(text, settings, range, &itm, &special);
    if (status == STATUS_BAD_FORMAT) {
        const char *trimmed = text;
        while (isspace((unsigned char)*trimmed)) trimmed++;
        status = decode_iso_interval(trimmed, &itm);
    }
    if (status == STATUS_FIELD_OVERFLOW) status = STATUS_INTERVAL_OVERFLOW;
    if (status != STATUS_OK) return report(status, NULL, "interval", text);
    int64_t months = (int64_t)itm.year * 12 + itm.month;
    if (months > INT32_MAX || months < INT32_MIN) {
        return report(STATUS_INTERVAL_OVERFLOW, NULL, "interval", text);
    }
    DtInterval value = {itm.usec, itm.day, (int32_t)months};
    return dt_interval_apply_typmod(&value, range, precision, value_out);
}
