/* executor/kern_text.c: text input and output of every type (PostgreSQL's typinput/typoutput),
 * and the casts to VARCHAR(n) / CHAR(n). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "executor/kern_int.h"

enum { TEXT_BUFFER_SIZE = 256, FLOAT_TEXT_SIZE_MAX = 32 };

static const DtSettings DT_DEFAULTS;

static const DtSettings *settings_of(const KernCtx *ctx)
{
    return ctx->dt != NULL ? ctx->dt : &DT_DEFAULTS;
}

/* ---- floats: shortest text that reads back exactly -------------------------------------------- */

/* layout_float: digits/exponent of a %e string laid out as PostgreSQL's float8out/float4out
 * (exponent form below 1e-4 and from 10^sci_min on). */
static size_t layout_float(const char *sci, int sci_min, char *buffer)
{
    char digits[32];
    size_t digit_count = 0;
    const char *cursor = sci;
    bool negative = *cursor == '-';
    if (negative) cursor++;
    for (; *cursor != 'e'; cursor++) {
        if (*cursor != '.') digits[digit_count++] = *cursor;
    }
    int exponent = atoi(cursor + 1);
    while (digit_count > 1 && digits[digit_count - 1] == '0') digit_count--;
    char *out = buffer;
    if (negative) *out++ = '-';
    if (exponent < -4 || exponent >= sci_min) {
        *out++ = digits[0];
        if (digit_count > 1) {
            *out++ = '.';
            memcpy(out, digits + 1, digit_count - 1);
            out += digit_count - 1;
        }
        out += sprintf(out, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
    } else if (exponent < 0) {
        *out++ = '0';
        *out++ = '.';
        for (int zero_idx = 0; zero_idx < -exponent - 1; zero_idx++) *out++ = '0';
        memcpy(out, digits, digit_count);
        out += digit_count;
    } else {
        for (int digit_idx = 0; digit_idx <= exponent || (size_t)digit_idx < digit_count; digit_idx++) {
            if (digit_idx == exponent + 1) *out++ = '.';
            *out++ = (size_t)digit_idx < digit_count ? digits[digit_idx] : '0';
        }
    }
    *out = '\0';
    return (size_t)(out - buffer);
}

static size_t format_special(double value, char *buffer)
{
    const char *text = isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    strcpy(buffer, text);
    return strlen(text);
}

size_t kern_float8_format(double value, char *buffer)
{
    if (isnan(value) || isinf(value)) return format_special(value, buffer);
    char sci[FLOAT_TEXT_SIZE_MAX + 16];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(sci, sizeof sci, "%.*e", precision - 1, value);
        if (strtod(sci, NULL) == value) break;
    }
    return layout_float(sci, 15, buffer);
}

size_t kern_float4_format(float value, char *buffer)
{
    if (isnan(value) || isinf(value)) return format_special(value, buffer);
    char sci[FLOAT_TEXT_SIZE_MAX + 16];
    for (int precision = 1; precision <= 9; precision++) {
        snprintf(sci, sizeof sci, "%.*e", precision - 1, (double)value);
        if (strtof(sci, NULL) == value) break;
    }
    return layout_float(sci, 6, buffer);
}

/* ---- output kernels ----------------------------------------------------------------------------- */

#define OUT_KERNEL(NAME, T, ...)                                                           \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        const DtSettings *settings = settings_of(ctx);                                     \
        (void)settings;                                                                    \
        char buffer[TEXT_BUFFER_SIZE];                                                     \
        Error *err = NULL;                                                                 \
        UNARY_LOOP(T, args[0], sel, count, size_t size = 0; __VA_ARGS__;                   \
                   err = vec_str_set(out, r, buffer, (uint32_t)size);                      \
                   if (err != NULL) return err;);                                          \
        return NULL;                                                                       \
    }

OUT_KERNEL(kern_cast_bool_text, uint8_t, size = x ? 4 : 5; memcpy(buffer, x ? "true" : "false", size))
OUT_KERNEL(kern_out_bool, uint8_t, size = 1; buffer[0] = x ? 't' : 'f')
OUT_KERNEL(kern_cast_i16_text, int16_t, size = (size_t)sprintf(buffer, "%d", x))
OUT_KERNEL(kern_cast_i32_text, int32_t, size = (size_t)sprintf(buffer, "%d", x))
OUT_KERNEL(kern_cast_i64_text, int64_t, size = (size_t)sprintf(buffer, "%lld", (long long)x))
OUT_KERNEL(kern_cast_oid_text, int64_t, size = (size_t)sprintf(buffer, "%lld", (long long)x))
OUT_KERNEL(kern_cast_f32_text, float, size = kern_float4_format(x, buffer))
OUT_KERNEL(kern_cast_f64_text, double, size = kern_float8_format(x, buffer))
OUT_KERNEL(kern_cast_date_text, int32_t, size = dt_date_out(x, settings, buffer))
OUT_KERNEL(kern_cast_time_text, int64_t, size = dt_time_out(x, buffer))
OUT_KERNEL(kern_cast_timestamp_text, int64_t, size = dt_timestamp_out(x, settings, buffer))
OUT_KERNEL(kern_cast_timestamptz_text, int64_t, size = dt_timestamptz_out(x, settings, buffer))
OUT_KERNEL(kern_cast_interval_text, DtInterval, size = dt_interval_out(&x, settings, buffer))

KERN_DECLARE(kern_cast_num_text)
{
    const Vector *a = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    if (a->phys == VEC_PHYS_NUM64) {
        char buffer[64];
        UNARY_LOOP(int64_t, a, sel, count, size_t size = numeric_i64_format(x, a->numeric_scale, buffer);
                   TRY(vec_str_set(out, r, buffer, (uint32_t)size)););
        return NULL;
    }
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const Numeric *num = &vec_numeric(a)[a->is_constant ? 0 : r];
        char stack_buffer[TEXT_BUFFER_SIZE];
        size_t size_max = numeric_text_size_max(num) + 1;
        char *buffer = size_max <= sizeof stack_buffer ? stack_buffer : arena_alloc(ctx->arena, size_max);
        if (buffer == NULL) return kern_oom();
        size_t size = numeric_format(num, buffer);
        TRY(vec_str_set(out, r, buffer, (uint32_t)size));
    });
    return NULL;
}

/* ---- input kernels ------------------------------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static Error *syntax_error(const char *type_label, const char *text)
{
    return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%s\"",
                   type_label, text);
}

/* parse_int: PostgreSQL's pg_strtoint16/32/64: spaces, sign, digits, spaces. */
static Error *parse_int(const char *text, int64_t min, int64_t max, const char *type_label,
                        int64_t *value_out)
{
    const char *cursor = text;
    while (is_space(*cursor)) cursor++;
    bool negative = false;
    if (*cursor == '-' || *cursor == '+') negative = *cursor++ == '-';
    if (!(*cursor >= '0' && *cursor <= '9')) return syntax_error(type_label, text);
    uint64_t magnitude = 0;
    bool overflow = false;
    for (; *cursor >= '0' && *cursor <= '9'; cursor++) {
        overflow |= __builtin_mul_overflow(magnitude, 10, &magnitude);
        overflow |= __builtin_add_overflow(magnitude, (uint64_t)(*cursor - '0'), &magnitude);
    }
    while (is_space(*cursor)) cursor++;
    if (*cursor != '\0') return syntax_error(type_label, text);
    uint64_t limit = negative ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
    if (overflow || magnitude > limit) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                       "value \"%s\" is out of range for type %s", text, type_label);
    }
    *value_out = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return NULL;
}

/* IN_KERNEL: for each valid row, the text NUL-terminated as `text`, then BODY parses it. */
#define IN_KERNEL(NAME, T, ...)                                                            \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        const DtSettings *settings = settings_of(ctx);                                     \
        (void)settings;                                                                    \
        T *ov = (T *)out->data;                                                            \
        char buffer[TEXT_BUFFER_SIZE];                                                     \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            const char *text = kern_cstring(ctx, str_at(args[0], r), buffer, sizeof buffer); \
            if (text == NULL) return kern_oom();                                           \
            __VA_ARGS__                                                                    \
        });                                                                                \
        return NULL;                                                                       \
    }

IN_KERNEL(kern_cast_text_i16, int16_t, int64_t value;
          TRY(parse_int(text, INT16_MIN, INT16_MAX, "smallint", &value)); ov[r] = (int16_t)value;)
IN_KERNEL(kern_cast_text_i32, int32_t, int64_t value;
          TRY(parse_int(text, INT32_MIN, INT32_MAX, "integer", &value)); ov[r] = (int32_t)value;)
IN_KERNEL(kern_cast_text_i64, int64_t, TRY(parse_int(text, INT64_MIN, INT64_MAX, "bigint", &ov[r]));)
IN_KERNEL(kern_cast_text_oid, int64_t, int64_t value;
          TRY(parse_int(text, INT32_MIN, UINT32_MAX, "oid", &value));
          ov[r] = value < 0 ? value + (INT64_C(1) << 32) : value;)

/* parse_float: float8in / float4in. */
static Error *parse_float(const char *text, bool is_float4, double *value_out)
{
    const char *label = is_float4 ? "real" : "double precision";
    const char *cursor = text;
    while (is_space(*cursor)) cursor++;
    if (*cursor == '\0') return syntax_error(label, text);
    char *end;
    errno = 0;
    double value = is_float4 ? (double)strtof(cursor, &end) : strtod(cursor, &end);
    if (end == cursor) return syntax_error(label, text);
    if (errno == ERANGE && (value == 0 || isinf(value))) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "\"%.*s\" is out of range for type %s",
                       (int)(end - cursor), cursor, label);
    }
    while (is_space(*end)) end++;
    if (*end != '\0') return syntax_error(label, text);
    *value_out = value;
    return NULL;
}

IN_KERNEL(kern_cast_text_f64, double, TRY(parse_float(text, false, &ov[r]));)
IN_KERNEL(kern_cast_text_f32, float, double value; TRY(parse_float(text, true, &value));
          ov[r] = (float)value;)

/* parse_bool: boolin: a unique prefix of true/false/yes/no, on/off (2 letters at least), 1/0. */
static Error *parse_bool(const char *text, uint8_t *value_out)
{
    const char *start = text;
    while (is_space(*start)) start++;
    size_t size = strlen(start);
    while (size > 0 && is_space(start[size - 1])) size--;
    static const struct { const char *word; size_t size_min; uint8_t value; } WORDS[] = {
        { "true", 1, 1 }, { "false", 1, 0 }, { "yes", 1, 1 }, { "no", 1, 0 },
        { "on", 2, 1 }, { "off", 2, 0 }, { "1", 1, 1 }, { "0", 1, 0 },
    };
    for (size_t word_idx = 0; word_idx < sizeof WORDS / sizeof WORDS[0]; word_idx++) {
        if (size >= WORDS[word_idx].size_min && size <= strlen(WORDS[word_idx].word) &&
            strncasecmp(start, WORDS[word_idx].word, size) == 0) {
            *value_out = WORDS[word_idx].value;
            return NULL;
        }
    }
    return syntax_error("boolean", text);
}

IN_KERNEL(kern_cast_text_bool, uint8_t, TRY(parse_bool(text, &ov[r]));)

static int time_precision(Type type) { return type.typmod >= 0 ? type.typmod : -1; }

IN_KERNEL(kern_cast_text_date, int32_t, TRY(dt_date_in(text, settings, &ov[r]));)
IN_KERNEL(kern_cast_text_time, int64_t,
          TRY(dt_time_in(text, settings, time_precision(out->type), &ov[r]));)
IN_KERNEL(kern_cast_text_timestamp, int64_t,
          TRY(dt_timestamp_in(text, settings, time_precision(out->type), &ov[r]));)
IN_KERNEL(kern_cast_text_timestamptz, int64_t,
          TRY(dt_timestamptz_in(text, settings, time_precision(out->type), &ov[r]));)
IN_KERNEL(kern_cast_text_interval, DtInterval,
          if (out->type.typmod < 0) TRY(dt_interval_in(text, settings, -1, &ov[r]));
          else TRY(dt_interval_in_range(text, settings, (out->type.typmod >> 16) & 0x7fff,
                                        (out->type.typmod & 0xffff) == 0xffff
                                            ? -1 : out->type.typmod & 0xffff, &ov[r]));)

/* kern_num_store: put num (already checked against out's typmod) into out row r. */
static Error *num_store(Vector *out, uint32_t row_idx, const Numeric *num)
{
    if (out->phys == VEC_PHYS_NUM64) {
        if (numeric_to_scaled_i64(num, out->numeric_scale, &vec_i64(out)[row_idx])) return NULL;
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    }
    return vec_numeric_set(out, row_idx, num);
}

KERN_DECLARE(kern_cast_text_num)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) {
            if (out->phys == VEC_PHYS_NUMERIC) vec_numeric(out)[r] = numeric_make_zero(0);
            continue;
        }
        const StrView *view = str_at(args[0], r);
        Numeric num, fitted;
        TRY(numeric_from_chars(str_view_data(view), view->size, ctx->arena, &num));
        TRY(numeric_apply_typmod(&num, out->type.typmod, ctx->arena, &fitted));
        TRY(num_store(out, r, &fitted));
    });
    return NULL;
}

KERN_DECLARE(kern_cast_bpchar_text)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        const char *data = str_view_data(view);
        uint32_t size = view->size;
        while (size > 0 && data[size - 1] == ' ') size--;
        TRY(vec_str_set(out, r, data, size));
    });
    return NULL;
}

/* ---- bytea: hex output, hex or escape input (bytea_output = hex) ------------------------------ */

KERN_DECLARE(kern_cast_bytea_text)
{
    static const char HEX[] = "0123456789abcdef";
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        const unsigned char *data = (const unsigned char *)str_view_data(view);
        size_t size = 2 + 2 * (size_t)view->size;
        char *text = arena_alloc(out->arena, size);
        if (text == NULL) return kern_oom();
        text[0] = '\\';
        text[1] = 'x';
        for (uint32_t byte_idx = 0; byte_idx < view->size; byte_idx++) {
            text[2 + 2 * byte_idx] = HEX[data[byte_idx] >> 4];
            text[3 + 2 * byte_idx] = HEX[data[byte_idx] & 15];
        }
        vec_str(out)[r] = str_view_make_ref(text, (uint32_t)size);
    });
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* parse_bytea: byteain: "\x" then hex pairs (spaces between pairs), or the escape form where
 * "\\" is a backslash and "\ooo" an octal byte. Writes at most size bytes to bytes. */
static Error *parse_bytea(const char *text, size_t size, char *bytes, size_t *size_out)
{
    size_t written = 0;
    if (size >= 2 && text[0] == '\\' && text[1] == 'x') {
        for (size_t byte_idx = 2; byte_idx < size;) {
            if (is_space(text[byte_idx])) { byte_idx++; continue; }
            int high = hex_value(text[byte_idx]);
            if (high < 0) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"",
                               text[byte_idx]);
            }
            if (byte_idx + 1 >= size) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "invalid hexadecimal data: odd number of digits");
            }
            int low = hex_value(text[byte_idx + 1]);
            if (low < 0) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"",
                               text[byte_idx + 1]);
            }
            bytes[written++] = (char)(high << 4 | low);
            byte_idx += 2;
        }
        *size_out = written;
        return NULL;
    }
    for (size_t byte_idx = 0; byte_idx < size;) {
        if (text[byte_idx] != '\\') { bytes[written++] = text[byte_idx++]; continue; }
        if (byte_idx + 1 < size && text[byte_idx + 1] == '\\') {
            bytes[written++] = '\\';
            byte_idx += 2;
        } else if (byte_idx + 3 < size && text[byte_idx + 1] >= '0' && text[byte_idx + 1] <= '3' &&
                   text[byte_idx + 2] >= '0' && text[byte_idx + 2] <= '7' &&
                   text[byte_idx + 3] >= '0' && text[byte_idx + 3] <= '7') {
            bytes[written++] = (char)((text[byte_idx + 1] - '0') << 6 | (text[byte_idx + 2] - '0') << 3 |
                                      (text[byte_idx + 3] - '0'));
            byte_idx += 4;
        } else {
            return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type bytea");
        }
    }
    *size_out = written;
    return NULL;
}

KERN_DECLARE(kern_cast_text_bytea)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        char *bytes = arena_alloc(out->arena, view->size + 1);
        if (bytes == NULL) return kern_oom();
        size_t size;
        TRY(parse_bytea(str_view_data(view), view->size, bytes, &size));
        vec_str(out)[r] = str_view_make_ref(bytes, (uint32_t)size);
    });
    return NULL;
}

/* ---- VARCHAR(n) and CHAR(n) --------------------------------------------------------------------- */

/* utf8_prefix_size: bytes of the first char_count characters of data (all if fewer). */
static size_t utf8_prefix_size(const char *data, size_t size, size_t char_count)
{
    size_t byte_idx = 0, chars = 0;
    while (byte_idx < size) {
        if (((unsigned char)data[byte_idx] & 0xC0) != 0x80) {
            if (chars == char_count) return byte_idx;
            chars++;
        }
        byte_idx++;
    }
    return size;
}

static size_t utf8_length(const char *data, size_t size)
{
    size_t chars = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        chars += ((unsigned char)data[byte_idx] & 0xC0) != 0x80;
    }
    return chars;
}

static Error *char_cast(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                        uint32_t count, Vector *out, bool is_bpchar, bool is_assignment)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    int32_t typmod = out->type.typmod;
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        const char *data = str_view_data(view);
        size_t size = view->size;
        if (typmod < 4) {
            TRY(vec_str_set(out, r, data, (uint32_t)size));
            continue;
        }
        size_t char_max = (size_t)(typmod - 4);
        size_t keep = utf8_prefix_size(data, size, char_max);
        if (keep < size && is_assignment) {
            for (size_t byte_idx = keep; byte_idx < size; byte_idx++) {
                if (data[byte_idx] != ' ') {
                    return err_new(SQLSTATE_STRING_DATA_RIGHT_TRUNCATION,
                                   "value too long for type %s(%zu)",
                                   is_bpchar ? "character" : "character varying", char_max);
                }
            }
        }
        size_t chars = utf8_length(data, keep);
        if (!is_bpchar || chars >= char_max) {
            TRY(vec_str_set(out, r, data, (uint32_t)keep));
            continue;
        }
        size_t padded_size = keep + (char_max - chars);
        char *padded = arena_alloc(ctx->arena, padded_size);
        if (padded == NULL) return kern_oom();
        memcpy(padded, data, keep);
        memset(padded + keep, ' ', padded_size - keep);
        TRY(vec_str_set(out, r, padded, (uint32_t)padded_size));
    });
    return NULL;
}

KERN_DECLARE(kern_cast_text_varchar) { return char_cast(ctx, args, sel, count, out, false, false); }
KERN_DECLARE(kern_cast_text_bpchar) { return char_cast(ctx, args, sel, count, out, true, false); }
KERN_DECLARE(kern_assign_text_varchar) { return char_cast(ctx, args, sel, count, out, false, true); }
KERN_DECLARE(kern_assign_text_bpchar) { return char_cast(ctx, args, sel, count, out, true, true); }
