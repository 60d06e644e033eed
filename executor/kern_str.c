/* executor/kern_str.c: string functions over UTF-8 text in the C locale, and LIKE / ILIKE.
 *
 * Positions and lengths count UTF-8 characters (a byte that is not 10xxxxxx starts one).
 * upper/lower and ILIKE fold ASCII letters only, as PostgreSQL does with LC_CTYPE=C. Results are
 * built directly in out's arena (one copy). Every function here is strict. */
#include <stdio.h>
#include <stdlib.h>

#include "executor/kern_array.h"   /* format, concat_ws: text[] arguments */
#include "executor/kern_catalog.h" /* kern_quote_ident */
#include "executor/kern_funcs.h"
#include "executor/kern_int.h"

enum { STR_RESULT_SIZE_MAX = (1 << 30) - 1 };   /* PostgreSQL's varlena limit */

static inline bool is_char_start(unsigned char byte) { return (byte & 0xC0) != 0x80; }

static size_t char_count(const char *data, size_t size)
{
    size_t chars = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) chars += is_char_start((unsigned char)data[byte_idx]);
    return chars;
}

/* char_offset: byte offset of character char_idx (size if past the end). */
static size_t char_offset(const char *data, size_t size, size_t char_idx)
{
    size_t chars = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        if (is_char_start((unsigned char)data[byte_idx])) {
            if (chars == char_idx) return byte_idx;
            chars++;
        }
    }
    return size;
}

/* char_size_at: bytes of the character starting at data[0] (at least 1, at most left). */
static size_t char_size_at(const char *data, size_t left)
{
    size_t size = 1;
    while (size < left && !is_char_start((unsigned char)data[size])) size++;
    return size;
}

static inline int64_t int_at(const Vector *vec, uint32_t row_idx)
{
    uint32_t slot_idx = vec->is_constant ? 0 : row_idx;
    switch (vec->phys) {
    case VEC_PHYS_I16: return vec_i16(vec)[slot_idx];
    case VEC_PHYS_I64: return vec_i64(vec)[slot_idx];
    default: return vec_i32(vec)[slot_idx];
    }
}

/* result_alloc: size bytes in out's arena for row r's result. */
static char *result_alloc(Vector *out, size_t size)
{
    return arena_alloc(out->arena, size > 0 ? size : 1);
}

static Error *result_too_large(void)
{
    return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "requested length too large");
}

/* set_result: row r = size bytes at data (data in out's arena already, or copied if short). */
static inline void set_result(Vector *out, uint32_t row_idx, const char *data, size_t size)
{
    vec_str(out)[row_idx] = str_view_make_ref(data, (uint32_t)size);
}

#define VIEW(arg_idx) str_at(args[arg_idx], r)

/* STR_KERNEL: strict, for each valid row r; the body may `continue`. */
#define STR_KERNEL(NAME, ARG_COUNT, ...)                                                   \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, ARG_COUNT, sel, count));                             \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            __VA_ARGS__                                                                    \
        });                                                                                \
        return NULL;                                                                       \
    }

STR_KERNEL(kern_length, 1, const StrView *s = VIEW(0);
           vec_i32(out)[r] = (int32_t)char_count(str_view_data(s), s->size);)
STR_KERNEL(kern_octet_length, 1, vec_i32(out)[r] = (int32_t)VIEW(0)->size;)

static Error *change_case(const Vector *const *args, const uint16_t *sel, uint32_t count,
                          Vector *out, bool to_upper)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *s = VIEW(0);
        const char *data = str_view_data(s);
        char *result = result_alloc(out, s->size);
        if (result == NULL) return kern_oom();
        for (uint32_t byte_idx = 0; byte_idx < s->size; byte_idx++) {
            char c = data[byte_idx];
            if (to_upper && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
            if (!to_upper && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            result[byte_idx] = c;
        }
        set_result(out, r, result, s->size);
    });
    return NULL;
}

KERN_DECLARE(kern_upper) { return change_case(args, sel, count, out, true); }
KERN_DECLARE(kern_lower) { return change_case(args, sel, count, out, false); }

STR_KERNEL(kern_concat, 2, const StrView *a = VIEW(0); const StrView *b = VIEW(1);
           size_t size = (size_t)a->size + b->size;
           if (size > STR_RESULT_SIZE_MAX) return result_too_large();
           char *result = result_alloc(out, size);
           if (result == NULL) return kern_oom();
           memcpy(result, str_view_data(a), a->size);
           memcpy(result + a->size, str_view_data(b), b->size);
           set_result(out, r, result, size);)

/* substring_chars: characters [start, end) (1-based start, may be < 1) of s. */
static void substring_chars(Vector *out, uint32_t row_idx, const StrView *s, int64_t start, int64_t end)
{
    const char *data = str_view_data(s);
    if (start < 1) start = 1;
    if (end <= start) {
        set_result(out, row_idx, "", 0);
        return;
    }
    size_t from = char_offset(data, s->size, (size_t)(start - 1));
    size_t to = char_offset(data, s->size, (size_t)(end - 1));
    set_result(out, row_idx, data + from, to - from);   /* a view into the argument's bytes */
}

/* Results that are slices of an argument point into the argument's bytes; inline ones are
 * copied. The caller keeps argument vectors alive as long as the result (same batch). */
STR_KERNEL(kern_substr2, 2, substring_chars(out, r, VIEW(0), int_at(args[1], r), INT64_MAX);)
STR_KERNEL(kern_substr3, 3, int64_t start = int_at(args[1], r); int64_t length = int_at(args[2], r);
           if (length < 0) {
               return err_new(SQLSTATE_SUBSTRING_ERROR, "negative substring length not allowed");
           }
           substring_chars(out, r, VIEW(0), start, start + length);)

/* find_bytes: byte offset of needle in haystack from `from`, or -1. */
static int64_t find_bytes(const char *haystack, size_t haystack_size, const char *needle,
                          size_t needle_size, size_t from)
{
    if (needle_size == 0) return (int64_t)from;
    if (needle_size > haystack_size) return -1;
    for (size_t byte_idx = from; byte_idx + needle_size <= haystack_size; byte_idx++) {
        if (haystack[byte_idx] == needle[0] && memcmp(haystack + byte_idx, needle, needle_size) == 0) {
            return (int64_t)byte_idx;
        }
    }
    return -1;
}

STR_KERNEL(kern_position, 2, const StrView *s = VIEW(0); const StrView *sub = VIEW(1);
           int64_t at = find_bytes(str_view_data(s), s->size, str_view_data(sub), sub->size, 0);
           vec_i32(out)[r] = at < 0 ? 0 : (int32_t)char_count(str_view_data(s), (size_t)at) + 1;)

/* in_set: is the character at data (size bytes) one of set's characters? */
static bool in_set(const char *data, size_t size, const StrView *set)
{
    const char *set_data = str_view_data(set);
    for (size_t byte_idx = 0; byte_idx < set->size;) {
        size_t set_char_size = char_size_at(set_data + byte_idx, set->size - byte_idx);
        if (set_char_size == size && memcmp(set_data + byte_idx, data, size) == 0) return true;
        byte_idx += set_char_size;
    }
    return false;
}

static void trim_view(Vector *out, uint32_t row_idx, const StrView *s, const StrView *set,
                      bool left, bool right)
{
    const char *data = str_view_data(s);
    size_t from = 0, to = s->size;
    while (left && from < to) {
        size_t size = char_size_at(data + from, to - from);
        if (!in_set(data + from, size, set)) break;
        from += size;
    }
    while (right && to > from) {
        size_t start = to - 1;
        while (start > from && !is_char_start((unsigned char)data[start])) start--;
        if (!in_set(data + start, to - start, set)) break;
        to = start;
    }
    set_result(out, row_idx, data + from, to - from);
}

static const StrView SPACE_SET = { 1, { ' ', 0, 0, 0 }, { { 0 } } };
STR_KERNEL(kern_btrim1, 1, trim_view(out, r, VIEW(0), &SPACE_SET, true, true);)
STR_KERNEL(kern_ltrim1, 1, trim_view(out, r, VIEW(0), &SPACE_SET, true, false);)
STR_KERNEL(kern_rtrim1, 1, trim_view(out, r, VIEW(0), &SPACE_SET, false, true);)
STR_KERNEL(kern_btrim2, 2, trim_view(out, r, VIEW(0), VIEW(1), true, true);)
STR_KERNEL(kern_ltrim2, 2, trim_view(out, r, VIEW(0), VIEW(1), true, false);)
STR_KERNEL(kern_rtrim2, 2, trim_view(out, r, VIEW(0), VIEW(1), false, true);)

static Error *replace_row(Vector *out, uint32_t row_idx, const StrView *s, const StrView *from,
                          const StrView *to)
{
    const char *data = str_view_data(s);
    if (from->size == 0) {
        set_result(out, row_idx, data, s->size);
        return NULL;
    }
    size_t match_count = 0;
    for (int64_t at = find_bytes(data, s->size, str_view_data(from), from->size, 0); at >= 0;
         at = find_bytes(data, s->size, str_view_data(from), from->size, (size_t)at + from->size)) {
        match_count++;
    }
    size_t size = s->size + match_count * to->size - match_count * from->size;
    if (size > STR_RESULT_SIZE_MAX) return result_too_large();
    char *result = result_alloc(out, size);
    if (result == NULL) return kern_oom();
    size_t read = 0, written = 0;
    for (int64_t at = find_bytes(data, s->size, str_view_data(from), from->size, 0); at >= 0;
         at = find_bytes(data, s->size, str_view_data(from), from->size, read)) {
        memcpy(result + written, data + read, (size_t)at - read);
        written += (size_t)at - read;
        memcpy(result + written, str_view_data(to), to->size);
        written += to->size;
        read = (size_t)at + from->size;
    }
    memcpy(result + written, data + read, s->size - read);
    set_result(out, row_idx, result, size);
    return NULL;
}

STR_KERNEL(kern_replace, 3, TRY(replace_row(out, r, VIEW(0), VIEW(1), VIEW(2)));)

static void left_right(Vector *out, uint32_t row_idx, const StrView *s, int64_t n, bool is_left)
{
    const char *data = str_view_data(s);
    int64_t chars = (int64_t)char_count(data, s->size);
    int64_t keep = n >= 0 ? (n < chars ? n : chars) : (chars + n > 0 ? chars + n : 0);
    size_t cut = char_offset(data, s->size, (size_t)(is_left ? keep : chars - keep));
    if (is_left) set_result(out, row_idx, data, cut);
    else set_result(out, row_idx, data + cut, s->size - cut);
}

STR_KERNEL(kern_left, 2, left_right(out, r, VIEW(0), int_at(args[1], r), true);)
STR_KERNEL(kern_right, 2, left_right(out, r, VIEW(0), int_at(args[1], r), false);)

static Error *pad_row(Vector *out, uint32_t row_idx, const StrView *s, int64_t length,
                      const StrView *fill, bool is_left)
{
    const char *data = str_view_data(s);
    if (length <= 0) {
        set_result(out, row_idx, "", 0);
        return NULL;
    }
    size_t chars = char_count(data, s->size);
    if ((int64_t)chars >= length || fill->size == 0) {
        set_result(out, row_idx, data, char_offset(data, s->size, (size_t)length));
        return NULL;
    }
    size_t pad_chars = (size_t)length - chars;
    const char *fill_data = str_view_data(fill);
    if ((uint64_t)pad_chars * 4 + s->size > STR_RESULT_SIZE_MAX) return result_too_large();
    char *result = result_alloc(out, pad_chars * 4 + s->size);
    if (result == NULL) return kern_oom();
    size_t written = is_left ? 0 : s->size, fill_idx = 0;
    if (!is_left) memcpy(result, data, s->size);
    for (size_t pad_idx = 0; pad_idx < pad_chars; pad_idx++) {
        size_t size = char_size_at(fill_data + fill_idx, fill->size - fill_idx);
        memcpy(result + written, fill_data + fill_idx, size);
        written += size;
        fill_idx += size;
        if (fill_idx >= fill->size) fill_idx = 0;
    }
    if (is_left) {
        memcpy(result + written, data, s->size);
        written += s->size;
    }
    set_result(out, row_idx, result, written);
    return NULL;
}

STR_KERNEL(kern_lpad2, 2, TRY(pad_row(out, r, VIEW(0), int_at(args[1], r), &SPACE_SET, true));)
STR_KERNEL(kern_rpad2, 2, TRY(pad_row(out, r, VIEW(0), int_at(args[1], r), &SPACE_SET, false));)
STR_KERNEL(kern_lpad3, 3, TRY(pad_row(out, r, VIEW(0), int_at(args[1], r), VIEW(2), true));)
STR_KERNEL(kern_rpad3, 3, TRY(pad_row(out, r, VIEW(0), int_at(args[1], r), VIEW(2), false));)

STR_KERNEL(kern_starts_with, 2, const StrView *s = VIEW(0); const StrView *prefix = VIEW(1);
           vec_bool(out)[r] = (uint8_t)(prefix->size <= s->size &&
                                        memcmp(str_view_data(s), str_view_data(prefix), prefix->size) == 0);)

STR_KERNEL(kern_repeat, 2, const StrView *s = VIEW(0); int64_t times = int_at(args[1], r);
           if (times <= 0 || s->size == 0) { set_result(out, r, "", 0); continue; }
           if ((uint64_t)times * s->size > STR_RESULT_SIZE_MAX) return result_too_large();
           size_t size = (size_t)times * s->size;
           char *result = result_alloc(out, size);
           if (result == NULL) return kern_oom();
           for (int64_t time_idx = 0; time_idx < times; time_idx++) {
               memcpy(result + (size_t)time_idx * s->size, str_view_data(s), s->size);
           }
           set_result(out, r, result, size);)

STR_KERNEL(kern_reverse, 1, const StrView *s = VIEW(0); const char *data = str_view_data(s);
           char *result = result_alloc(out, s->size);
           if (result == NULL) return kern_oom();
           for (size_t byte_idx = 0; byte_idx < s->size;) {
               size_t size = char_size_at(data + byte_idx, s->size - byte_idx);
               memcpy(result + s->size - byte_idx - size, data + byte_idx, size);
               byte_idx += size;
           }
           set_result(out, r, result, s->size);)

static Error *split_part_row(Vector *out, uint32_t row_idx, const StrView *s, const StrView *delim,
                             int64_t field)
{
    if (field == 0) return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "field position must not be zero");
    const char *data = str_view_data(s), *delim_data = str_view_data(delim);
    if (delim->size == 0) {
        bool whole = field == 1 || field == -1;
        set_result(out, row_idx, whole ? data : "", whole ? s->size : 0);
        return NULL;
    }
    size_t field_count = 1;
    for (int64_t at = find_bytes(data, s->size, delim_data, delim->size, 0); at >= 0;
         at = find_bytes(data, s->size, delim_data, delim->size, (size_t)at + delim->size)) {
        field_count++;
    }
    if (field < 0) field += (int64_t)field_count + 1;
    if (field < 1 || field > (int64_t)field_count) {
        set_result(out, row_idx, "", 0);
        return NULL;
    }
    size_t start = 0;
    for (int64_t field_idx = 1; field_idx < field; field_idx++) {
        start = (size_t)find_bytes(data, s->size, delim_data, delim->size, start) + delim->size;
    }
    int64_t end = find_bytes(data, s->size, delim_data, delim->size, start);
    set_result(out, row_idx, data + start, (end < 0 ? s->size : (size_t)end) - start);
    return NULL;
}

STR_KERNEL(kern_split_part, 3, TRY(split_part_row(out, r, VIEW(0), VIEW(1), int_at(args[2], r)));)

/* ---- LIKE ----------------------------------------------------------------------------------------
 * A pattern compiles to a byte string where escapes are resolved and the wildcards are kept
 * apart: each element is a literal byte, ANY_ONE (_) or ANY_SEQ (%). Matching is the classic
 * wildcard walk that remembers the last % and retries from one character further: linear for
 * one %, and never exponential. _ consumes one UTF-8 character. */

typedef enum LikeOp { LIKE_LITERAL = 0, LIKE_ANY_ONE, LIKE_ANY_SEQ } LikeOp;

struct KernLikePattern {
    bool     case_insensitive;
    uint32_t element_count;
    uint8_t *ops;          /* LikeOp per element */
    char    *bytes;        /* the literal byte per element */
};

static inline char fold(char c, bool case_insensitive)
{
    return case_insensitive && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

Error *kern_like_compile(const char *pattern, size_t pattern_size, int escape,
                         bool case_insensitive, Arena *arena, KernLikePattern **pattern_out)
{
    KernLikePattern *compiled = arena_alloc(arena, sizeof *compiled);
    uint8_t *ops = arena_alloc(arena, pattern_size + 1);
    char *bytes = arena_alloc(arena, pattern_size + 1);
    if (compiled == NULL || ops == NULL || bytes == NULL) return kern_oom();
    uint32_t element_count = 0;
    for (size_t byte_idx = 0; byte_idx < pattern_size; byte_idx++) {
        char c = pattern[byte_idx];
        if (escape != 0 && (unsigned char)c == (unsigned char)escape) {
            if (byte_idx + 1 == pattern_size) {
                return err_new(SQLSTATE_INVALID_ESCAPE_SEQUENCE,
                               "LIKE pattern must not end with escape character");
            }
            c = pattern[++byte_idx];
            ops[element_count] = LIKE_LITERAL;
        } else if (c == '%') {
            if (element_count > 0 && ops[element_count - 1] == LIKE_ANY_SEQ) continue;  /* %% = % */
            ops[element_count] = LIKE_ANY_SEQ;
        } else if (c == '_') {
            ops[element_count] = LIKE_ANY_ONE;
        } else {
            ops[element_count] = LIKE_LITERAL;
        }
        bytes[element_count++] = fold(c, case_insensitive);
    }
    *compiled = (KernLikePattern){ case_insensitive, element_count, ops, bytes };
    *pattern_out = compiled;
    return NULL;
}

bool kern_like_match(const KernLikePattern *pattern, const char *text, size_t text_size)
{
    size_t text_idx = 0, element_idx = 0;
    size_t star_element = SIZE_MAX, star_text = 0;
    while (text_idx < text_size) {
        if (element_idx < pattern->element_count) {
            uint8_t op = pattern->ops[element_idx];
            if (op == LIKE_ANY_SEQ) {
                star_element = element_idx++;
                star_text = text_idx;
                continue;
            }
            if (op == LIKE_ANY_ONE) {
                text_idx += char_size_at(text + text_idx, text_size - text_idx);
                element_idx++;
                continue;
            }
            if (pattern->bytes[element_idx] == fold(text[text_idx], pattern->case_insensitive)) {
                text_idx++;
                element_idx++;
                continue;
            }
        }
        if (star_element == SIZE_MAX) return false;
        /* retry: the last % swallows one more character */
        star_text += char_size_at(text + star_text, text_size - star_text);
        text_idx = star_text;
        element_idx = star_element + 1;
    }
    while (element_idx < pattern->element_count && pattern->ops[element_idx] == LIKE_ANY_SEQ) element_idx++;
    return element_idx == pattern->element_count;
}

/* escape_of: the escape character of an ESCAPE argument ('' means none).
 * Errors: INVALID_ESCAPE_CHARACTER `invalid escape string`. */
static Error *escape_of(const StrView *escape, int *escape_out)
{
    if (escape->size == 0) {
        *escape_out = 0;
        return NULL;
    }
    if (char_count(str_view_data(escape), escape->size) != 1 || escape->size != 1) {
        return err_set_hint(err_new(SQLSTATE_INVALID_ESCAPE_CHARACTER, "invalid escape string"),
                            "Escape string must be empty or one character.");
    }
    *escape_out = (unsigned char)str_view_data(escape)[0];
    return NULL;
}

/* like_rows: the pattern is ctx->state when compiled once for a constant, else per row. */
static Error *like_rows(KernCtx *ctx, const Vector *const *args, uint32_t arg_count,
                        const uint16_t *sel, uint32_t count, Vector *out, bool case_insensitive,
                        bool negate)
{
    TRY(kern_out_begin(out, args, arg_count, sel, count));
    const KernLikePattern *fixed = ctx->state;
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const KernLikePattern *pattern = fixed;
        if (pattern == NULL) {
            int escape = '\\';
            if (arg_count == 3) TRY(escape_of(VIEW(2), &escape));
            const StrView *pattern_text = VIEW(1);
            KernLikePattern *compiled;
            TRY(kern_like_compile(str_view_data(pattern_text), pattern_text->size, escape,
                                  case_insensitive, ctx->arena, &compiled));
            pattern = compiled;
        }
        const StrView *text = VIEW(0);
        vec_bool(out)[r] = (uint8_t)(kern_like_match(pattern, str_view_data(text), text->size) != negate);
    });
    return NULL;
}

KERN_DECLARE(kern_like) { return like_rows(ctx, args, 2, sel, count, out, false, false); }
KERN_DECLARE(kern_not_like) { return like_rows(ctx, args, 2, sel, count, out, false, true); }
KERN_DECLARE(kern_ilike) { return like_rows(ctx, args, 2, sel, count, out, true, false); }
KERN_DECLARE(kern_not_ilike) { return like_rows(ctx, args, 2, sel, count, out, true, true); }
KERN_DECLARE(kern_like_escape) { return like_rows(ctx, args, 3, sel, count, out, false, false); }

/* kern_filter_like: WHERE text LIKE constant: ctx->state must hold the compiled pattern. */
KERN_FILTER_DECLARE(kern_filter_like)
{
    const KernLikePattern *pattern = ctx->state;
    VERIFY(pattern != NULL);
    const Vector *text = args[0];
    uint32_t kept = 0;
    FOR_ROWS(sel, count, const StrView *view = str_at(text, r); sel_out[kept] = (uint16_t)r;
             kept += row_valid(text, r) && kern_like_match(pattern, str_view_data(view), view->size););
    *count_out = kept;
    return NULL;
}

/* initcap: the first letter of each run of letters and digits upper case, the rest lower
 * (ASCII only, as the C locale). */
STR_KERNEL(kern_initcap, 1, const StrView *s = VIEW(0); const char *data = str_view_data(s);
           char *result = result_alloc(out, s->size);
           if (result == NULL) return kern_oom();
           bool in_word = false;
           for (uint32_t byte_idx = 0; byte_idx < s->size; byte_idx++) {
               char c = data[byte_idx];
               bool is_lower = c >= 'a' && c <= 'z', is_upper = c >= 'A' && c <= 'Z';
               if (in_word && is_upper) c = (char)(c - 'A' + 'a');
               if (!in_word && is_lower) c = (char)(c - 'a' + 'A');
               in_word = is_lower || is_upper || (c >= '0' && c <= '9');
               result[byte_idx] = c;
           }
           set_result(out, r, result, s->size);)

/* translate_row: each character of s found at character position k of from becomes the k-th
 * character of to, or is dropped when to is shorter. */
static Error *translate_row(Vector *out, uint32_t row_idx, const StrView *s, const StrView *from,
                            const StrView *to)
{
    const char *data = str_view_data(s), *from_data = str_view_data(from);
    const char *to_data = str_view_data(to);
    char *result = result_alloc(out, s->size * 4 + 4);  /* a 1-byte char may map to 4 bytes */
    if (result == NULL) return kern_oom();
    size_t used = 0;
    for (size_t byte_idx = 0; byte_idx < s->size;) {
        size_t size = char_size_at(data + byte_idx, s->size - byte_idx);
        size_t char_pos = 0, from_idx = 0;
        bool found = false;
        while (from_idx < from->size) {
            size_t from_size = char_size_at(from_data + from_idx, from->size - from_idx);
            if (from_size == size && memcmp(from_data + from_idx, data + byte_idx, size) == 0) {
                found = true;
                break;
            }
            from_idx += from_size;
            char_pos++;
        }
        if (!found) {
            memcpy(result + used, data + byte_idx, size);
            used += size;
        } else {
            size_t to_idx = 0;
            for (size_t skip = 0; skip < char_pos && to_idx < to->size; skip++) {
                to_idx += char_size_at(to_data + to_idx, to->size - to_idx);
            }
            if (to_idx < to->size) {
                size_t to_size = char_size_at(to_data + to_idx, to->size - to_idx);
                memcpy(result + used, to_data + to_idx, to_size);
                used += to_size;
            }
        }
        byte_idx += size;
    }
    set_result(out, row_idx, result, used);
    return NULL;
}

STR_KERNEL(kern_translate, 3, TRY(translate_row(out, r, VIEW(0), VIEW(1), VIEW(2)));)

/* get_byte(bytea, int4): the byte at a 0-based offset. Errors: ARRAY_SUBSCRIPT_ERROR. */
static Error *get_byte_row(const StrView *s, int64_t offset, int32_t *value_out)
{
    if (offset < 0 || (uint64_t)offset >= s->size) {
        return err_new(SQLSTATE_ARRAY_SUBSCRIPT_ERROR, "index %lld out of valid range, 0..%lld",
                       (long long)offset, (long long)s->size - 1);
    }
    *value_out = (unsigned char)str_view_data(s)[offset];
    return NULL;
}

STR_KERNEL(kern_get_byte, 2, TRY(get_byte_row(VIEW(0), int_at(args[1], r), &vec_i32(out)[r]));)

/* ---- ascii, chr, to_hex, concat_ws, format (kern_funcs.h) ------------------------------------- */

/* utf8_decode: the code point of the character at data (size bytes, > 0). */
static uint32_t utf8_decode(const unsigned char *data, size_t size)
{
    unsigned char b = data[0];
    if (b < 0x80 || size < 2) return b;
    if ((b & 0xE0) == 0xC0) return (uint32_t)(b & 0x1F) << 6 | (data[1] & 0x3F);
    if ((b & 0xF0) == 0xE0 && size >= 3) {
        return (uint32_t)(b & 0x0F) << 12 | (uint32_t)(data[1] & 0x3F) << 6 | (data[2] & 0x3F);
    }
    if (size >= 4) {
        return (uint32_t)(b & 0x07) << 18 | (uint32_t)(data[1] & 0x3F) << 12 |
               (uint32_t)(data[2] & 0x3F) << 6 | (data[3] & 0x3F);
    }
    return b;
}

STR_KERNEL(kern_ascii, 1, const StrView *s = VIEW(0);
           const char *data = str_view_data(s);
           vec_i32(out)[r] = s->size == 0 ? 0
               : (int32_t)utf8_decode((const unsigned char *)data, char_size_at(data, s->size));)

static Error *chr_row(Vector *out, uint32_t row_idx, int64_t code)
{
    if (code < 0) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "character number must be positive");
    }
    if (code == 0) return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "null character not permitted");
    if (code > 0x10FFFF) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "requested character too large for encoding: %lld", (long long)code);
    }
    if (code >= 0xD800 && code <= 0xDFFF) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "requested character not valid for encoding: %lld", (long long)code);
    }
    char buf[4];
    uint32_t size;
    uint32_t c = (uint32_t)code;
    if (c < 0x80) {
        buf[0] = (char)c;
        size = 1;
    } else if (c < 0x800) {
        buf[0] = (char)(0xC0 | c >> 6);
        buf[1] = (char)(0x80 | (c & 0x3F));
        size = 2;
    } else if (c < 0x10000) {
        buf[0] = (char)(0xE0 | c >> 12);
        buf[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (c & 0x3F));
        size = 3;
    } else {
        buf[0] = (char)(0xF0 | c >> 18);
        buf[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (c & 0x3F));
        size = 4;
    }
    return vec_str_set(out, row_idx, buf, size);
}

STR_KERNEL(kern_chr, 1, TRY(chr_row(out, r, int_at(args[0], r)));)

static Error *to_hex_row(Vector *out, uint32_t row_idx, uint64_t value)
{
    char buf[17];
    int size = snprintf(buf, sizeof buf, "%llx", (unsigned long long)value);
    return vec_str_set(out, row_idx, buf, (uint32_t)size);
}

STR_KERNEL(kern_to_hex_i32, 1, TRY(to_hex_row(out, r, (uint32_t)int_at(args[0], r)));)
STR_KERNEL(kern_to_hex_i64, 1, TRY(to_hex_row(out, r, (uint64_t)int_at(args[0], r)));)

/* StrBuf: a growing result in an arena. */
typedef struct StrBuf {
    Arena *arena;
    char  *data;
    size_t size, capacity;
} StrBuf;

static Error *buf_put(StrBuf *buf, const char *data, size_t size)
{
    if (buf->size + size > buf->capacity) {
        size_t capacity = buf->capacity < 64 ? 64 : buf->capacity;
        while (capacity < buf->size + size) capacity *= 2;
        if (capacity > STR_RESULT_SIZE_MAX) return result_too_large();
        char *grown = arena_alloc(buf->arena, capacity);
        if (grown == NULL) return kern_oom();
        if (buf->size > 0) memcpy(grown, buf->data, buf->size);
        buf->data = grown;
        buf->capacity = capacity;
    }
    if (size > 0) memcpy(buf->data + buf->size, data, size);
    buf->size += size;
    return NULL;
}

static Error *buf_pad(StrBuf *buf, size_t count)
{
    for (size_t pad_idx = 0; pad_idx < count; pad_idx++) TRY(buf_put(buf, " ", 1));
    return NULL;
}

/* the text[] argument's elements: data NULL for a NULL element */
typedef struct TextArgs {
    uint32_t     count;
    const char **data;
    int32_t     *size;
} TextArgs;

static Error *text_args(KernCtx *ctx, const Vector *vec, uint32_t row_idx, TextArgs *out)
{
    ArrayView view;
    TRY(kern_array_view(vec, vec->is_constant ? 0 : row_idx, &view));
    out->count = view.count > 0 ? (uint32_t)view.count : 0;
    out->data = arena_alloc(ctx->arena, sizeof(char *) * (out->count + 1));
    out->size = arena_alloc(ctx->arena, sizeof(int32_t) * (out->count + 1));
    if (out->data == NULL || out->size == NULL) return kern_oom();
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t size;
    uint32_t elem_idx = 0;
    while (elem_idx < out->count && array_next(&iter, &data, &size)) {
        out->data[elem_idx] = (const char *)data;
        out->size[elem_idx] = size;
        elem_idx++;
    }
    out->count = elem_idx;
    return NULL;
}

/* concat_ws(sep, a, b, ...): arg 1 the text[] of a, b, ...; NULL elements skipped. */
KERN_DECLARE(kern_concat_ws)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *sep = VIEW(0);
        TextArgs elems;
        TRY(text_args(ctx, args[1], r, &elems));
        StrBuf buf = { out->arena, NULL, 0, 0 };
        bool first = true;
        for (uint32_t elem_idx = 0; elem_idx < elems.count; elem_idx++) {
            if (elems.data[elem_idx] == NULL) continue;
            if (!first) TRY(buf_put(&buf, str_view_data(sep), sep->size));
            first = false;
            TRY(buf_put(&buf, elems.data[elem_idx], (size_t)elems.size[elem_idx]));
        }
        set_result(out, r, buf.size > 0 ? buf.data : "", buf.size);
    });
    return NULL;
}

static Error *format_error(const char *message, bool hint)
{
    Error *err = err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "%s", message);
    return hint ? err_set_hint(err, "For a single \"%%\" use \"%%%%\".") : err;
}

static Error *format_literal(StrBuf *buf, const char *data, size_t size)
{
    bool backslash = memchr(data, '\\', size) != NULL;
    if (backslash) TRY(buf_put(buf, "E", 1));
    TRY(buf_put(buf, "'", 1));
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        if (data[byte_idx] == '\'' || data[byte_idx] == '\\') TRY(buf_put(buf, data + byte_idx, 1));
        TRY(buf_put(buf, data + byte_idx, 1));
    }
    return buf_put(buf, "'", 1);
}

/* format_number: digits at fmt[*pos], as PostgreSQL's text_format_parse_digits (overflow of int
 * is an error). false if there are none. */
static Error *format_number(const char *fmt, size_t size, size_t *pos, int64_t *value_out,
                           bool *found_out)
{
    int64_t value = 0;
    bool found = false;
    while (*pos < size && fmt[*pos] >= '0' && fmt[*pos] <= '9') {
        value = value * 10 + (fmt[*pos] - '0');
        if (value > INT32_MAX) return format_error("number is out of range", false);
        (*pos)++;
        found = true;
    }
    *value_out = value;
    *found_out = found;
    return NULL;
}

/* format_row: PostgreSQL's text_format: %[n$][-][width|*[n$]]type, type s I L, and %%. */
static Error *format_row(KernCtx *ctx, Vector *out, uint32_t row_idx, const StrView *fmt_view,
                         const TextArgs *fargs)
{
    const char *fmt = str_view_data(fmt_view);
    size_t size = fmt_view->size;
    StrBuf buf = { out->arena, NULL, 0, 0 };
    uint32_t next_arg = 0;
    for (size_t pos = 0; pos < size;) {
        if (fmt[pos] != '%') {
            size_t start = pos;
            while (pos < size && fmt[pos] != '%') pos++;
            TRY(buf_put(&buf, fmt + start, pos - start));
            continue;
        }
        pos++;
        if (pos >= size) return format_error("unterminated format() type specifier", true);
        if (fmt[pos] == '%') {
            TRY(buf_put(&buf, "%", 1));
            pos++;
            continue;
        }
        /* argument position */
        int64_t number = 0;
        bool found = false;
        int64_t arg_pos = -1, width = 0;
        bool left_align = false, width_from_arg = false;
        int64_t width_arg = -1;
        size_t save = pos;
        TRY(format_number(fmt, size, &pos, &number, &found));
        if (found && pos < size && fmt[pos] == '$') {
            if (number == 0) return format_error("format specifies argument 0, but arguments are numbered from 1", false);
            arg_pos = number - 1;
            pos++;
        } else {
            pos = save;
        }
        if (pos < size && fmt[pos] == '-') {
            left_align = true;
            pos++;
        }
        if (pos < size && fmt[pos] == '*') {
            pos++;
            width_from_arg = true;
            save = pos;
            TRY(format_number(fmt, size, &pos, &number, &found));
            if (found && pos < size && fmt[pos] == '$') {
                if (number == 0) return format_error("format specifies argument 0, but arguments are numbered from 1", false);
                width_arg = number - 1;
                pos++;
            } else {
                pos = save;
            }
        } else {
            TRY(format_number(fmt, size, &pos, &width, &found));
        }
        if (pos >= size) return format_error("unterminated format() type specifier", true);
        if (width_from_arg) {
            uint32_t idx = width_arg >= 0 ? (uint32_t)width_arg : next_arg++;
            if (width_arg >= 0) next_arg = idx + 1;
            if (idx >= fargs->count) return format_error("too few arguments for format()", false);
            if (fargs->data[idx] == NULL) {
                width = 0;
            } else {
                char digits[32];
                int32_t digits_size = fargs->size[idx] < 31 ? fargs->size[idx] : 31;
                memcpy(digits, fargs->data[idx], (size_t)digits_size);
                digits[digits_size] = '\0';
                char *end = NULL;
                long long value = strtoll(digits, &end, 10);
                if (end == digits || *end != '\0' || value > INT32_MAX || value < -INT32_MAX) {
                    return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION,
                                   "invalid input syntax for type integer: \"%s\"", digits);
                }
                width = value;
            }
            if (width < 0) {
                left_align = true;
                width = -width;
            }
        }
        char type = fmt[pos++];
        if (type != 's' && type != 'I' && type != 'L') {
            char spec[8];
            size_t spec_size = char_size_at(fmt + pos - 1, size - pos + 1);
            memcpy(spec, fmt + pos - 1, spec_size);
            spec[spec_size] = '\0';
            Error *err = err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                 "unrecognized format() type specifier \"%s\"", spec);
            return err_set_hint(err, "For a single \"%%\" use \"%%%%\".");
        }
        uint32_t idx = arg_pos >= 0 ? (uint32_t)arg_pos : next_arg;
        next_arg = idx + 1;
        if (idx >= fargs->count) return format_error("too few arguments for format()", false);
        const char *value = fargs->data[idx];
        size_t value_size = value != NULL ? (size_t)fargs->size[idx] : 0;
        StrBuf piece = { ctx->arena, NULL, 0, 0 };
        if (type == 's') {
            if (value != NULL) TRY(buf_put(&piece, value, value_size));
        } else if (type == 'I') {
            if (value == NULL) {
                return err_new(SQLSTATE_NULL_VALUE_NOT_ALLOWED,
                               "null values cannot be formatted as an SQL identifier");
            }
            const char *quoted = NULL;
            TRY(kern_quote_ident(ctx->arena, value, value_size, &quoted));
            TRY(buf_put(&piece, quoted, strlen(quoted)));
        } else if (value == NULL) {
            TRY(buf_put(&piece, "NULL", 4));
        } else {
            TRY(format_literal(&piece, value, value_size));
        }
        size_t chars = char_count(piece.data != NULL ? piece.data : "", piece.size);
        size_t pad = (size_t)width > chars ? (size_t)width - chars : 0;
        if (!left_align) TRY(buf_pad(&buf, pad));
        TRY(buf_put(&buf, piece.data != NULL ? piece.data : "", piece.size));
        if (left_align) TRY(buf_pad(&buf, pad));
    }
    set_result(out, row_idx, buf.size > 0 ? buf.data : "", buf.size);
    return NULL;
}

/* format(fmt, args...): arg 1 the text[] of the arguments (NULL when there are none: then only
 * %% is allowed). Strict in fmt only. */
KERN_DECLARE(kern_format)
{
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        if (vec_is_null(args[0], args[0]->is_constant ? 0 : r)) {
            TRY(vec_set_null(out, r));
            continue;
        }
        TextArgs fargs = { 0, NULL, NULL };
        if (!vec_is_null(args[1], args[1]->is_constant ? 0 : r)) TRY(text_args(ctx, args[1], r, &fargs));
        TRY(format_row(ctx, out, r, VIEW(0), &fargs));
    });
    return NULL;
}
