/* executor/kern_fmt.c: to_char for date/time and numbers, to_date and to_timestamp(text, text)
 * (contracts in kern_funcs.h). Date/time output is common/datetime.h's dt_*_to_char; the number
 * templates and the date/time parser are here.
 *
 * Number templates (PostgreSQL's NUM_processor, the common subset): the value is rounded to the
 * template's fraction digits and laid out right-aligned in the digit positions; a '9' position
 * left of the number is blank, a '0' position (and every position after the first '0') prints a
 * zero; ',' / 'G' print only after a printed digit; a number wider than the template prints '#'
 * in every digit position. Without S, MI, SG a sign position precedes the digits and the '-'
 * floats to just before the first printed character. FM drops the blanks and trailing fraction
 * zeros of '9' positions. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "executor/kern_funcs.h"
#include "executor/kern_int.h"

enum { FMT_TEXT_SIZE_MAX = 4096 };

static const TzZone *zone_of(const KernCtx *ctx) { return ctx->dt != NULL ? ctx->dt->zone : NULL; }

static const DtSettings *settings_of(const KernCtx *ctx)
{
    static const DtSettings UTC_SETTINGS;
    return ctx->dt != NULL ? ctx->dt : &UTC_SETTINGS;
}

/* ---- to_char(timestamp / timestamptz / interval) ----------------------------------------- */

static Error *ts_to_char_row(KernCtx *ctx, Vector *out, uint32_t row_idx, int64_t value,
                             bool with_zone, const StrView *format)
{
    char format_buf[256];
    const char *fmt = kern_cstring(ctx, format, format_buf, sizeof format_buf);
    if (fmt == NULL) return kern_oom();
    char *text = arena_alloc(ctx->arena, FMT_TEXT_SIZE_MAX);
    if (text == NULL) return kern_oom();
    bool is_null = false;
    TRY(dt_timestamp_to_char(value, with_zone, settings_of(ctx), fmt, text, FMT_TEXT_SIZE_MAX,
                             &is_null));
    if (is_null) return vec_set_null(out, row_idx);
    return vec_str_set(out, row_idx, text, (uint32_t)strlen(text));
}

#define FMT_KERNEL(NAME, ...)                                                              \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            uint32_t slot_ = args[0]->is_constant ? 0 : r;                                 \
            (void)slot_;                                                                   \
            __VA_ARGS__                                                                    \
        });                                                                                \
        return NULL;                                                                       \
    }

FMT_KERNEL(kern_to_char_timestamp,
           TRY(ts_to_char_row(ctx, out, r, vec_i64(args[0])[slot_], false, str_at(args[1], r)));)
FMT_KERNEL(kern_to_char_timestamptz,
           TRY(ts_to_char_row(ctx, out, r, vec_i64(args[0])[slot_], true, str_at(args[1], r)));)

static Error *interval_to_char_row(KernCtx *ctx, Vector *out, uint32_t row_idx,
                                   const DtInterval *value, const StrView *format)
{
    char format_buf[256];
    const char *fmt = kern_cstring(ctx, format, format_buf, sizeof format_buf);
    if (fmt == NULL) return kern_oom();
    char *text = arena_alloc(ctx->arena, FMT_TEXT_SIZE_MAX);
    if (text == NULL) return kern_oom();
    TRY(dt_interval_to_char(value, fmt, text, FMT_TEXT_SIZE_MAX));
    return vec_str_set(out, row_idx, text, (uint32_t)strlen(text));
}

FMT_KERNEL(kern_to_char_interval,
           TRY(interval_to_char_row(ctx, out, r, &((const DtInterval *)args[0]->data)[slot_],
                                    str_at(args[1], r)));)

/* ---- to_char(number) --------------------------------------------------------------------- */

typedef enum NumTok {
    NT_DIGIT9, NT_DIGIT0, NT_POINT, NT_GROUP, NT_S, NT_MI, NT_PL, NT_SG, NT_LITERAL,
} NumTok;

typedef struct NumItem {
    NumTok      kind;
    const char *text;    /* NT_LITERAL */
    size_t      size;
} NumItem;

typedef struct NumTemplate {
    NumItem items[256];
    size_t  count;
    int     pre, post;        /* digit positions before / after the point */
    bool    fill_mode;        /* FM */
    bool    has_sign_item;    /* S, MI, SG: no floating sign position */
    int     first_zero;       /* index among integer digits of the first '0', pre if none */
} NumTemplate;

static Error *num_template_parse(const char *fmt, size_t size, NumTemplate *tpl)
{
    memset(tpl, 0, sizeof *tpl);
    bool after_point = false;
    tpl->first_zero = -1;
    for (size_t pos = 0; pos < size;) {
        if (tpl->count >= sizeof tpl->items / sizeof tpl->items[0]) {
            return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "format template too long");
        }
        NumItem *item = &tpl->items[tpl->count];
        const char *at = fmt + pos;
        size_t left = size - pos;
        if (left >= 2 && strncasecmp(at, "FM", 2) == 0) {
            tpl->fill_mode = true;
            pos += 2;
            continue;
        }
        if (*at == '9' || *at == '0') {
            item->kind = *at == '9' ? NT_DIGIT9 : NT_DIGIT0;
            if (after_point) {
                tpl->post++;
            } else {
                if (*at == '0' && tpl->first_zero < 0) tpl->first_zero = tpl->pre;
                tpl->pre++;
            }
            pos++;
        } else if (*at == '.' || *at == 'D' || *at == 'd') {
            if (after_point) {
                return err_new(SQLSTATE_SYNTAX_ERROR, "multiple decimal points");
            }
            item->kind = NT_POINT;
            after_point = true;
            pos++;
        } else if (*at == ',' || *at == 'G' || *at == 'g') {
            item->kind = NT_GROUP;
            pos++;
        } else if (left >= 2 && strncasecmp(at, "SG", 2) == 0) {
            item->kind = NT_SG;
            tpl->has_sign_item = true;
            pos += 2;
        } else if (left >= 2 && strncasecmp(at, "MI", 2) == 0) {
            item->kind = NT_MI;
            tpl->has_sign_item = true;
            pos += 2;
        } else if (left >= 2 && strncasecmp(at, "PL", 2) == 0) {
            item->kind = NT_PL;
            pos += 2;
        } else if (*at == 'S' || *at == 's') {
            item->kind = NT_S;
            tpl->has_sign_item = true;
            pos++;
        } else if (*at == 'L' || *at == 'l') {
            item->kind = NT_LITERAL;   /* the C locale's currency symbol prints as a blank */
            item->text = " ";
            item->size = 1;
            pos++;
        } else if (*at == '"') {
            size_t end = pos + 1;
            while (end < size && fmt[end] != '"') end++;
            item->kind = NT_LITERAL;
            item->text = fmt + pos + 1;
            item->size = end - pos - 1;
            pos = end < size ? end + 1 : end;
        } else {
            size_t char_size = 1;
            while (pos + char_size < size && ((unsigned char)fmt[pos + char_size] & 0xC0) == 0x80) {
                char_size++;
            }
            item->kind = NT_LITERAL;
            item->text = at;
            item->size = char_size;
            pos += char_size;
        }
        tpl->count++;
    }
    if (tpl->first_zero < 0) tpl->first_zero = tpl->pre;
    return NULL;
}

/* Cell: one output position; blank cells are dropped by FM. */
typedef struct Cell {
    char        text[8];
    const char *literal;     /* NT_LITERAL: the item's text */
    size_t      literal_size;
    bool        blank;
    bool        numeric;     /* a digit, point, group or the sign position */
    bool        fraction;    /* a digit after the point */
    bool        zero_digit;  /* from a '0' item */
} Cell;

/* num_to_char: lay out the decimal text digits ("-123.45", already rounded to tpl->post
 * fraction digits, or "NaN"/"Infinity") per the template into buf. */
static Error *num_to_char(const NumTemplate *tpl, const char *digits, int post, char *buf,
                          size_t buf_size, size_t *size_out)
{
    bool negative = digits[0] == '-';
    if (negative || digits[0] == '+') digits++;
    bool special = !(digits[0] >= '0' && digits[0] <= '9') && digits[0] != '.';
    const char *point = strchr(digits, '.');
    size_t int_len = point != NULL ? (size_t)(point - digits) : strlen(digits);
    const char *frac = point != NULL ? point + 1 : "";
    size_t frac_len = strlen(frac);
    while (int_len > 0 && digits[0] == '0') {   /* leading zeros are not the number's digits */
        digits++;
        int_len--;
    }
    if (int_len == 0 && tpl->post == 0) {
        digits = "0";
        int_len = 1;
    }
    if (strcmp(digits, "NaN") == 0) {   /* PostgreSQL prints NaN after the sign position */
        int used = snprintf(buf, buf_size, "%sNaN", tpl->fill_mode ? "" : " ");
        *size_out = (size_t)used;
        return NULL;
    }
    bool overflow = special || int_len > (size_t)tpl->pre;
    Cell *cells = calloc(tpl->count + 2, sizeof(Cell));
    if (cells == NULL) return kern_oom();
    size_t cell_count = 0;
    int int_pos = 0, frac_pos = 0;
    bool printed_digit = false, slot_done = tpl->has_sign_item, plus = false;
    int sign_slot = -1;
    int lead = tpl->pre - (int)int_len;   /* blank positions before the number */
    for (size_t item_idx = 0; item_idx < tpl->count; item_idx++) {
        const NumItem *item = &tpl->items[item_idx];
        bool numeric_item = item->kind == NT_DIGIT9 || item->kind == NT_DIGIT0 ||
                            item->kind == NT_POINT || item->kind == NT_GROUP;
        if (numeric_item && !slot_done) {
            sign_slot = (int)cell_count;
            cells[cell_count++] = (Cell){ .text = " ", .blank = true, .numeric = true };
            slot_done = true;
        }
        if (item->kind == NT_POINT && post == 0) continue;   /* no fraction: no point */
        if ((item->kind == NT_DIGIT9 || item->kind == NT_DIGIT0) && int_pos >= tpl->pre &&
            frac_pos >= post) {
            continue;   /* a float's digits beyond its precision are not printed */
        }
        Cell *cell = &cells[cell_count++];
        switch (item->kind) {
        case NT_DIGIT9:
        case NT_DIGIT0:
            cell->numeric = true;
            cell->zero_digit = item->kind == NT_DIGIT0;
            if (int_pos < tpl->pre) {
                if (overflow) {
                    strcpy(cell->text, "#");
                } else if (int_pos >= lead) {
                    cell->text[0] = digits[int_pos - lead];
                    printed_digit = true;
                } else if (int_pos >= tpl->first_zero) {
                    strcpy(cell->text, "0");
                    printed_digit = true;
                } else {
                    strcpy(cell->text, " ");
                    cell->blank = true;
                }
                int_pos++;
            } else {
                cell->fraction = true;
                if (overflow) strcpy(cell->text, "#");
                else cell->text[0] = frac_pos < (int)frac_len ? frac[frac_pos] : '0';
                frac_pos++;
            }
            break;
        case NT_POINT:
            cell->numeric = true;
            strcpy(cell->text, ".");
            break;
        case NT_GROUP:
            cell->numeric = true;
            strcpy(cell->text, printed_digit || overflow ? "," : " ");
            cell->blank = !(printed_digit || overflow);
            break;
        case NT_S:
            if (int_pos == 0 && !printed_digit) {   /* a leading S floats as the sign position */
                sign_slot = (int)cell_count - 1;
                strcpy(cell->text, " ");
                cell->blank = true;
                cell->numeric = true;
                plus = true;
            } else {
                strcpy(cell->text, negative ? "-" : "+");
            }
            break;
        case NT_MI:
            strcpy(cell->text, negative ? "-" : " ");
            cell->blank = !negative;
            break;
        case NT_PL:
            strcpy(cell->text, negative ? " " : "+");
            cell->blank = negative;
            break;
        case NT_SG:
            strcpy(cell->text, negative ? "-" : "+");
            break;
        case NT_LITERAL:
            cell->literal = item->text;
            cell->literal_size = item->size;
            break;
        }
    }
    if (tpl->fill_mode && !overflow) {   /* FM: trailing fraction zeros of '9' items go */
        for (size_t cell_idx = cell_count; cell_idx-- > 0;) {
            Cell *cell = &cells[cell_idx];
            if (!cell->fraction) continue;
            if (cell->zero_digit || cell->text[0] != '0') break;
            cell->blank = true;
        }
    }
    if (sign_slot >= 0 && (negative || plus)) {   /* the floating sign */
        int sign_at = sign_slot;
        for (size_t cell_idx = (size_t)sign_slot + 1; cell_idx < cell_count; cell_idx++) {
            if (!cells[cell_idx].numeric) continue;
            if (!cells[cell_idx].blank) break;
            sign_at = (int)cell_idx;
        }
        strcpy(cells[sign_at].text, negative ? "-" : "+");
        cells[sign_at].blank = false;
    }
    size_t used = 0;
    for (size_t cell_idx = 0; cell_idx < cell_count; cell_idx++) {
        const Cell *cell = &cells[cell_idx];
        if (tpl->fill_mode && cell->blank) continue;
        const char *text = cell->literal != NULL ? cell->literal : cell->text;
        size_t text_size = cell->literal != NULL ? cell->literal_size : strlen(cell->text);
        if (used + text_size >= buf_size) {
            free(cells);
            return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "to_char result too long");
        }
        memcpy(buf + used, text, text_size);
        used += text_size;
    }
    free(cells);
    buf[used] = '\0';
    *size_out = used;
    return NULL;
}

/* num_format_row: the value's decimal text (rounded to tpl.post digits) through the template. */
static Error *num_format_row(KernCtx *ctx, Vector *out, uint32_t row_idx, const char *digits,
                             const NumTemplate *tpl, int post)
{
    char *text = arena_alloc(ctx->arena, FMT_TEXT_SIZE_MAX);
    if (text == NULL) return kern_oom();
    size_t size = 0;
    TRY(num_to_char(tpl, digits, post, text, FMT_TEXT_SIZE_MAX, &size));
    return vec_str_set(out, row_idx, text, (uint32_t)size);
}

static Error *template_of(KernCtx *ctx, const StrView *format, NumTemplate **tpl_out)
{
    NumTemplate *tpl = arena_alloc(ctx->arena, sizeof *tpl);
    if (tpl == NULL) return kern_oom();
    TRY(num_template_parse(str_view_data(format), format->size, tpl));
    *tpl_out = tpl;
    return NULL;
}

FMT_KERNEL(kern_to_char_i64,
           NumTemplate *tpl = NULL; TRY(template_of(ctx, str_at(args[1], r), &tpl));
           char digits[48];
           int64_t value = args[0]->phys == VEC_PHYS_I16   ? vec_i16(args[0])[slot_]
                           : args[0]->phys == VEC_PHYS_I32 ? vec_i32(args[0])[slot_]
                                                           : vec_i64(args[0])[slot_];
           int used = snprintf(digits, sizeof digits, "%lld", (long long)value);
           if (tpl->post > 0) {
               digits[used++] = '.';
               for (int idx = 0; idx < tpl->post && used < 46; idx++) digits[used++] = '0';
               digits[used] = '\0';
           }
           TRY(num_format_row(ctx, out, r, digits, tpl, tpl->post));)

/* float_post: fraction digits printed for a float, as PostgreSQL: at most DBL_DIG (FLT_DIG)
 * significant digits in all; template positions beyond them are not printed. */
static int float_post(double value, int post, bool is_float4)
{
    char whole[400];
    int pre_len = snprintf(whole, sizeof whole, "%.0f", fabs(value));
    int max_digits = is_float4 ? 6 : 15;
    if (pre_len >= max_digits) return 0;
    return pre_len + post > max_digits ? max_digits - pre_len : post;
}

FMT_KERNEL(kern_to_char_f64,
           NumTemplate *tpl = NULL; TRY(template_of(ctx, str_at(args[1], r), &tpl));
           double value = args[0]->phys == VEC_PHYS_F32 ? (double)vec_f32(args[0])[slot_]
                                                        : vec_f64(args[0])[slot_];
           char *digits = arena_alloc(ctx->arena, 400);
           if (digits == NULL) return kern_oom();
           if (isnan(value)) strcpy(digits, "NaN");
           else if (isinf(value)) strcpy(digits, value > 0 ? "Infinity" : "-Infinity");
           int post = isfinite(value) ? float_post(value, tpl->post, args[0]->phys == VEC_PHYS_F32)
                                      : tpl->post;
           if (isfinite(value)) snprintf(digits, 400, "%.*f", post, value);
           TRY(num_format_row(ctx, out, r, digits, tpl, post));)

static Error *num_digits(KernCtx *ctx, const Vector *vec, uint32_t row_idx, int post,
                         char **digits_out)
{
    Numeric value, rounded;
    TRY(kern_num_get(vec, vec->is_constant ? 0 : row_idx, ctx->arena, &value));
    TRY(numeric_round(&value, post, ctx->arena, &rounded));
    return numeric_to_text(&rounded, ctx->arena, digits_out);
}

FMT_KERNEL(kern_to_char_num,
           NumTemplate *tpl = NULL; TRY(template_of(ctx, str_at(args[1], r), &tpl));
           char *digits = NULL; TRY(num_digits(ctx, args[0], r, tpl->post, &digits));
           TRY(num_format_row(ctx, out, r, digits, tpl, tpl->post));)

/* ---- to_date / to_timestamp(text, text) -------------------------------------------------- */

static const char *const MONTHS[12] = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
};
static const char *const DAYS[7] = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

typedef struct ParsedDt {
    int    year, month, day, hour, minute, second, doy;
    int    usec;
    bool   has_year, has_doy, pm, has_ampm, hour12;
} ParsedDt;

typedef struct ParsePattern {
    const char *name;
    int         width;   /* digits; 0 for a name field */
} ParsePattern;

/* longest first where prefixes overlap */
static const ParsePattern PARSE_PATTERNS[] = {
    { "YYYY", 4 }, { "YYY", 3 }, { "YY", 2 }, { "Y", 1 }, { "MONTH", 0 }, { "MON", 0 },
    { "MM", 2 }, { "DDD", 3 }, { "DD", 2 }, { "DAY", 0 }, { "DY", 0 }, { "HH24", 2 },
    { "HH12", 2 }, { "HH", 2 }, { "MI", 2 }, { "SSSS", 5 }, { "SS", 2 }, { "MS", 3 },
    { "US", 6 }, { "AM", 0 }, { "PM", 0 }, { "A.M.", 0 }, { "P.M.", 0 },
};

static Error *parse_invalid(const char *input, size_t size, const char *field, bool integer)
{
    Error *err = err_new(SQLSTATE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%s\"",
                         (int)size, input, field);
    return err_set_detail(err, integer ? "Value must be an integer."
                                       : "The given value did not match any of the allowed values "
                                         "for this field.");
}

/* parse_number: up to width digits (all digits when the next format character is not a
 * pattern letter and width is the year's). */
static Error *parse_number(const char **in, const char *end, int width, bool greedy,
                           const char *field, int *value_out, int *digits_out)
{
    while (*in < end && **in == ' ') (*in)++;
    const char *start = *in;
    bool negative = false;
    if (*in < end && **in == '-' && strcmp(field, "YYYY") == 0) {
        negative = true;
        (*in)++;
    }
    int64_t value = 0;
    int digits = 0;
    while (*in < end && **in >= '0' && **in <= '9' && (greedy || digits < width)) {
        value = value * 10 + (**in - '0');
        if (value > INT32_MAX) break;
        (*in)++;
        digits++;
    }
    if (digits == 0) {
        size_t shown = 0;
        size_t limit = (size_t)(width > 0 ? width : 1);
        while (start + shown < end && shown < limit && start[shown] != ' ') shown++;
        return parse_invalid(start, shown, field, true);
    }
    *value_out = (int)(negative ? -value : value);
    *digits_out = digits;
    return NULL;
}

static Error *parse_name(const char **in, const char *end, const char *const *names, int count,
                         bool abbrev, const char *field, int *index_out)
{
    while (*in < end && **in == ' ') (*in)++;
    size_t left = (size_t)(end - *in);
    for (int idx = 0; idx < count; idx++) {
        size_t length = abbrev ? 3 : strlen(names[idx]);
        if (left >= length && strncasecmp(*in, names[idx], length) == 0) {
            *in += length;
            *index_out = idx;
            return NULL;
        }
    }
    size_t shown = 0;
    while (shown < left && (*in)[shown] != ' ' && shown < (abbrev ? 3u : 9u)) shown++;
    return parse_invalid(*in, shown, field, false);
}

static bool is_pattern_start(const char *fmt, size_t left)
{
    for (size_t idx = 0; idx < sizeof PARSE_PATTERNS / sizeof PARSE_PATTERNS[0]; idx++) {
        size_t length = strlen(PARSE_PATTERNS[idx].name);
        if (left >= length && strncasecmp(fmt, PARSE_PATTERNS[idx].name, length) == 0) return true;
    }
    return false;
}

static Error *parse_datetime(const StrView *input_view, const StrView *format_view, ParsedDt *dt)
{
    memset(dt, 0, sizeof *dt);
    dt->month = 1;
    dt->day = 1;
    const char *in = str_view_data(input_view), *in_end = in + input_view->size;
    const char *fmt = str_view_data(format_view), *fmt_end = fmt + format_view->size;
    while (fmt < fmt_end) {
        size_t left = (size_t)(fmt_end - fmt);
        if (left >= 2 && strncasecmp(fmt, "FM", 2) == 0) {
            fmt += 2;
            continue;
        }
        const ParsePattern *pattern = NULL;
        for (size_t idx = 0; idx < sizeof PARSE_PATTERNS / sizeof PARSE_PATTERNS[0]; idx++) {
            size_t length = strlen(PARSE_PATTERNS[idx].name);
            if (left >= length && strncasecmp(fmt, PARSE_PATTERNS[idx].name, length) == 0) {
                pattern = &PARSE_PATTERNS[idx];
                break;
            }
        }
        if (pattern == NULL) {
            if (*fmt == '"') {
                fmt++;
                while (fmt < fmt_end && *fmt != '"') {
                    if (in < in_end) in++;
                    fmt++;
                }
                if (fmt < fmt_end) fmt++;
                continue;
            }
            if (*fmt == ' ') {
                while (in < in_end && *in == ' ') in++;
            } else if (in < in_end && !(*in >= '0' && *in <= '9') &&
                       !((*in | 0x20) >= 'a' && (*in | 0x20) <= 'z')) {
                in++;
            }
            fmt++;
            continue;
        }
        while (in < in_end && *in == ' ') in++;
        if (in >= in_end) break;   /* input ends: the remaining fields keep their defaults */
        size_t length = strlen(pattern->name);
        fmt += length;
        const char *name = pattern->name;
        bool greedy = fmt >= fmt_end || !is_pattern_start(fmt, (size_t)(fmt_end - fmt));
        int value = 0, digits = 0;
        if (pattern->width > 0) {
            TRY(parse_number(&in, in_end, pattern->width, greedy, name, &value, &digits));
        }
        if (strcmp(name, "YYYY") == 0 || strcmp(name, "YYY") == 0 || strcmp(name, "YY") == 0 ||
            strcmp(name, "Y") == 0) {
            dt->has_year = true;
            dt->year = value;
            if (strcmp(name, "YYYY") != 0 && digits < 4) {
                /* PostgreSQL's adjust_partial_year_to_2020 */
                if (digits == 1) dt->year = value + 2020;
                else if (digits == 2) dt->year = value < 70 ? value + 2000 : value + 1900;
                else if (digits == 3) dt->year = value < 520 ? value + 2000 : value + 1000;
            }
        } else if (strcmp(name, "MM") == 0) {
            dt->month = value;
        } else if (strcmp(name, "DD") == 0) {
            dt->day = value;
        } else if (strcmp(name, "DDD") == 0) {
            dt->doy = value;
            dt->has_doy = true;
        } else if (strcmp(name, "HH24") == 0) {
            dt->hour = value;
        } else if (strcmp(name, "HH12") == 0 || strcmp(name, "HH") == 0) {
            dt->hour = value;
            dt->hour12 = true;
        } else if (strcmp(name, "MI") == 0) {
            dt->minute = value;
        } else if (strcmp(name, "SS") == 0) {
            dt->second = value;
        } else if (strcmp(name, "SSSS") == 0) {
            dt->hour = value / 3600;
            dt->minute = value / 60 % 60;
            dt->second = value % 60;
        } else if (strcmp(name, "MS") == 0) {
            int scaled = value;
            for (int idx = digits; idx < 3; idx++) scaled *= 10;
            dt->usec += scaled * 1000;
        } else if (strcmp(name, "US") == 0) {
            int scaled = value;
            for (int idx = digits; idx < 6; idx++) scaled *= 10;
            dt->usec += scaled;
        } else if (strcmp(name, "MONTH") == 0 || strcmp(name, "MON") == 0) {
            int index = 0;
            bool abbrev = strcmp(name, "MON") == 0;
            TRY(parse_name(&in, in_end, MONTHS, 12, abbrev, abbrev ? "Mon" : "Month", &index));
            dt->month = index + 1;
        } else if (strcmp(name, "DAY") == 0 || strcmp(name, "DY") == 0) {
            int index = 0;
            bool abbrev = strcmp(name, "DY") == 0;
            TRY(parse_name(&in, in_end, DAYS, 7, abbrev, abbrev ? "Dy" : "Day", &index));
        } else {
            /* AM PM A.M. P.M. */
            while (in < in_end && *in == ' ') in++;
            size_t in_left = (size_t)(in_end - in);
            dt->has_ampm = true;
            bool dotted = in_left >= 4 && (strncasecmp(in, "A.M.", 4) == 0 ||
                                           strncasecmp(in, "P.M.", 4) == 0);
            bool plain = in_left >= 2 && (strncasecmp(in, "AM", 2) == 0 ||
                                          strncasecmp(in, "PM", 2) == 0);
            if (dotted) {
                dt->pm = (*in | 0x20) == 'p';
                in += 4;
            } else if (plain) {
                dt->pm = (*in | 0x20) == 'p';
                in += 2;
            } else {
                return parse_invalid(in, in_left < 2 ? in_left : 2, name, false);
            }
        }
    }
    return NULL;
}

/* parsed_timestamp: the wall-clock timestamp of dt. Errors: DATETIME_FIELD_OVERFLOW
 * `date/time field value out of range: "input"`. */
static Error *parsed_timestamp(const ParsedDt *parsed, const StrView *input, bool date_only,
                               DtTimestamp *value_out)
{
    ParsedDt dt = *parsed;
    if (dt.hour12) {
        if (dt.hour < 1 || dt.hour > 12) {
            return err_set_hint(err_new(SQLSTATE_INVALID_DATETIME_FORMAT,
                                        "hour \"%d\" is invalid for the 12-hour clock", dt.hour),
                                "Use the 24-hour clock, or give an hour between 1 and 12.");
        }
    }
    if (dt.has_ampm) {
        if (dt.pm && dt.hour < 12) dt.hour += 12;
        else if (!dt.pm && dt.hour == 12) dt.hour = 0;
    }
    int year = dt.year;   /* no year: year 0 (1 BC), as PostgreSQL */
    if (dt.month == 0) dt.month = 1;   /* PostgreSQL reads a zero month or day as unset */
    if (dt.day == 0) dt.day = 1;
    bool bad = dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.hour < 0 || dt.hour > 23 ||
               dt.minute < 0 || dt.minute > 59 || dt.second < 0 || dt.second > 59;
    DtDate date = 0;
    if (!bad) {
        static const int DAYS_IN_MONTH[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        int month_days = DAYS_IN_MONTH[dt.month - 1] + (dt.month == 2 && leap);
        if (dt.day > month_days) bad = true;
    }
    if (bad) {
        return err_new(SQLSTATE_DATETIME_FIELD_OVERFLOW,
                       "date/time field value out of range: \"%.*s\"", (int)input->size,
                       str_view_data(input));
    }
    TRY(dt_date_from_ymd(year, dt.has_doy ? 1 : dt.month, dt.has_doy ? 1 : dt.day, &date));
    if (dt.has_doy) TRY(dt_date_add_days(date, dt.doy - 1, &date));
    DtTimestamp at;
    TRY(dt_date_to_timestamp(date, &at));
    if (!date_only) {
        at += ((int64_t)dt.hour * 3600 + dt.minute * 60 + dt.second) * INT64_C(1000000) + dt.usec;
    }
    *value_out = at;
    return NULL;
}

KERN_DECLARE(kern_to_date)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        ParsedDt parsed;
        TRY(parse_datetime(str_at(args[0], r), str_at(args[1], r), &parsed));
        DtTimestamp at = 0;   /* set by parsed_timestamp; initialized for -O3 */
        TRY(parsed_timestamp(&parsed, str_at(args[0], r), true, &at));
        TRY(dt_timestamp_to_date(at, &vec_i32(out)[r]));
    });
    return NULL;
}

KERN_DECLARE(kern_to_timestamp_text)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        ParsedDt parsed;
        TRY(parse_datetime(str_at(args[0], r), str_at(args[1], r), &parsed));
        DtTimestamp at = 0;   /* set by parsed_timestamp; initialized for -O3 */
        TRY(parsed_timestamp(&parsed, str_at(args[0], r), false, &at));
        TRY(dt_timestamp_to_timestamptz(at, zone_of(ctx), &vec_i64(out)[r]));
    });
    return NULL;
}
