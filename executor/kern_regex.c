/* executor/kern_regex.c: POSIX regular expressions for ~ ~* !~ !~* and regexp_replace.
 *
 * PostgreSQL's patterns are ARE (Spencer's advanced regular expressions); glibc's <regex.h>
 * gives POSIX ERE with GNU extensions (\w \W \s \S \b \B \< \> \` \'). translate() rewrites
 * the ARE escapes ERE lacks: \d \D (digits), \s \w inside brackets, \m \M \y \Y (word
 * boundaries), \A \Z, \n \t \r, and (?: groups; ARE-only syntax with different meaning in ERE
 * (non-greedy quantifiers, lookahead, embedded options) is refused with 0A000 rather than
 * silently matching differently.
 *
 * Compiled patterns are cached process-wide (REGEX_CACHE_SIZE entries keyed by pattern bytes
 * and flags, reference-counted so an entry in use by another thread is never freed), so a
 * constant pattern is compiled once rather than per row or per batch, as PostgreSQL's own
 * regex cache does. Patterns are matched as bytes in the C locale (C collation). */
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "executor/kern_array.h"
#include "executor/kern_int.h"

enum {
    REGEX_CACHE_SIZE = 32,
    REGEX_GROUP_MAX = 10,          /* \0 .. \9 in regexp_replace */
    REGEX_STACK_TEXT_SIZE = 256,
};

typedef struct RegexEntry {
    char    *pattern;      /* heap copy (NUL-terminated), NULL: free slot */
    size_t   pattern_size;
    int      cflags;
    regex_t  compiled;
    uint32_t ref_count;
    uint64_t last_use;
    bool     temporary;    /* not in the cache: freed on release */
} RegexEntry;

static pthread_mutex_t regex_lock = PTHREAD_MUTEX_INITIALIZER;
static RegexEntry      regex_cache[REGEX_CACHE_SIZE];
static uint64_t        regex_clock;

static Error *oom_err(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* ---------------------------------------------------------------- translation ---- */

typedef struct Out {
    char  *data;
    size_t size;
} Out;

static void put(Out *out, const char *text)
{
    size_t length = strlen(text);
    memcpy(out->data + out->size, text, length);
    out->size += length;
}

static Error *unsupported(const char *what)
{
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                   "regular expression feature not supported: %s", what);
}

/* translate_escape: one \x outside brackets; *pos is at x. */
static Error *translate_escape(const char *pattern, size_t size, size_t *pos, Out *out)
{
    if (*pos >= size) {
        return err_new(SQLSTATE_INVALID_REGULAR_EXPRESSION,
                       "invalid regular expression: invalid escape \\ sequence");
    }
    char ch = pattern[(*pos)++];
    switch (ch) {
    case 'd': put(out, "[0-9]"); return NULL;
    case 'D': put(out, "[^0-9]"); return NULL;
    case 's': put(out, "[[:space:]]"); return NULL;
    case 'S': put(out, "[^[:space:]]"); return NULL;
    case 'w': put(out, "[[:alnum:]_]"); return NULL;
    case 'W': put(out, "[^[:alnum:]_]"); return NULL;
    case 'm': put(out, "\\<"); return NULL;
    case 'M': put(out, "\\>"); return NULL;
    case 'y': put(out, "\\b"); return NULL;
    case 'Y': put(out, "\\B"); return NULL;
    case 'A': put(out, "\\`"); return NULL;
    case 'Z': put(out, "\\'"); return NULL;
    case 'n': put(out, "\n"); return NULL;
    case 't': put(out, "\t"); return NULL;
    case 'r': put(out, "\r"); return NULL;
    case 'f': put(out, "\f"); return NULL;
    case 'v': put(out, "\v"); return NULL;
    default:
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
            return unsupported("escape \\x, \\u, \\c and other ARE-only escapes");
        }
        out->data[out->size++] = '\\';
        out->data[out->size++] = ch;
        return NULL;
    }
}

/* translate_bracket: a bracket expression from '[' (at *pos - 1); class escapes inside. */
static Error *translate_bracket(const char *pattern, size_t size, size_t *pos, Out *out)
{
    out->data[out->size++] = '[';
    size_t start = *pos;
    while (*pos < size) {
        char ch = pattern[*pos];
        bool first = *pos == start || (*pos == start + 1 && pattern[start] == '^');
        if (ch == ']' && !first) {
            out->data[out->size++] = ']';
            (*pos)++;
            return NULL;
        }
        if (ch == '[' && *pos + 1 < size &&
            (pattern[*pos + 1] == ':' || pattern[*pos + 1] == '.' || pattern[*pos + 1] == '=')) {
            char kind = pattern[*pos + 1];
            const char *close = NULL;
            for (size_t idx = *pos + 2; idx + 1 < size; idx++) {
                if (pattern[idx] == kind && pattern[idx + 1] == ']') {
                    close = pattern + idx;
                    break;
                }
            }
            if (close == NULL) break;
            size_t length = (size_t)(close - (pattern + *pos)) + 2;
            memcpy(out->data + out->size, pattern + *pos, length);
            out->size += length;
            *pos += length;
            continue;
        }
        if (ch == '\\' && *pos + 1 < size) {
            char escaped = pattern[*pos + 1];
            *pos += 2;
            switch (escaped) {
            case 'd': put(out, "0-9"); continue;
            case 's': put(out, "[:space:]"); continue;
            case 'w': put(out, "[:alnum:]_"); continue;
            case 'n': put(out, "\n"); continue;
            case 't': put(out, "\t"); continue;
            case '\\': put(out, "\\"); continue;
            case ']': put(out, "]"); continue;   /* ERE has no escapes in brackets */
            default:
                if ((escaped >= 'a' && escaped <= 'z') || (escaped >= 'A' && escaped <= 'Z')) {
                    return err_new(SQLSTATE_INVALID_REGULAR_EXPRESSION,
                                   "invalid regular expression: invalid escape \\ sequence");
                }
                out->data[out->size++] = escaped;
                continue;
            }
        }
        out->data[out->size++] = ch;
        (*pos)++;
    }
    return err_new(SQLSTATE_INVALID_REGULAR_EXPRESSION,
                   "invalid regular expression: brackets [] not balanced");
}

/* translate: ARE pattern -> ERE text (NUL-terminated, heap). */
static Error *translate(const char *pattern, size_t size, char **ere_out)
{
    /* the longest expansion is \S (2 bytes) -> [^[:space:]] (12 bytes) */
    Out out = { .data = malloc(size * 6 + 1), .size = 0 };
    if (out.data == NULL) return oom_err();
    size_t pos = 0;
    Error *err = NULL;
    while (pos < size && err == NULL) {
        char ch = pattern[pos++];
        if (ch == '\\') {
            err = translate_escape(pattern, size, &pos, &out);
        } else if (ch == '[') {
            err = translate_bracket(pattern, size, &pos, &out);
        } else if (ch == '(' && pos < size && pattern[pos] == '?') {
            if (pos + 1 < size && pattern[pos + 1] == ':') {
                out.data[out.size++] = '(';
                pos += 2;
            } else {
                err = unsupported("lookahead constraints and embedded options");
            }
        } else if ((ch == '*' || ch == '+' || ch == '?' || ch == '}') && pos < size &&
                   pattern[pos] == '?') {
            err = unsupported("non-greedy quantifiers");
        } else {
            out.data[out.size++] = ch;
        }
    }
    if (err != NULL) {
        free(out.data);
        return err;
    }
    out.data[out.size] = '\0';
    *ere_out = out.data;
    return NULL;
}

static Error *compile_error(int code, const regex_t *compiled)
{
    const char *message = NULL;
    switch (code) {
    case REG_EPAREN: message = "parentheses () not balanced"; break;
    case REG_EBRACK: message = "brackets [] not balanced"; break;
    case REG_EBRACE: message = "braces {} not balanced"; break;
    case REG_ERANGE: message = "invalid character range"; break;
    case REG_BADRPT: message = "quantifier operand invalid"; break;
    case REG_EESCAPE: message = "invalid escape \\ sequence"; break;
    case REG_ESUBREG: message = "invalid backreference number"; break;
    case REG_BADBR: message = "invalid repetition count(s)"; break;
    case REG_ECTYPE: message = "invalid character class"; break;
    case REG_ESPACE: return oom_err();
    default: break;
    }
    if (message != NULL) {
        return err_new(SQLSTATE_INVALID_REGULAR_EXPRESSION, "invalid regular expression: %s",
                       message);
    }
    char buffer[128];
    regerror(code, compiled, buffer, sizeof buffer);
    return err_new(SQLSTATE_INVALID_REGULAR_EXPRESSION, "invalid regular expression: %s", buffer);
}

/* ---------------------------------------------------------------- cache ---- */

static Error *compile_into(RegexEntry *entry, const char *pattern, size_t size, int cflags)
{
    char *ere = NULL;
    TRY(translate(pattern, size, &ere));
    int code = regcomp(&entry->compiled, ere, cflags);
    free(ere);
    if (code != 0) {
        Error *err = compile_error(code, &entry->compiled);
        regfree(&entry->compiled);
        return err;
    }
    entry->pattern = malloc(size + 1);
    if (entry->pattern == NULL) {
        regfree(&entry->compiled);
        return oom_err();
    }
    memcpy(entry->pattern, pattern, size);
    entry->pattern[size] = '\0';
    entry->pattern_size = size;
    entry->cflags = cflags;
    return NULL;
}

/* acquire: the compiled pattern (a cached entry with a reference, or a temporary one). */
static Error *acquire(const char *pattern, size_t size, int cflags, RegexEntry **entry_out)
{
    pthread_mutex_lock(&regex_lock);
    RegexEntry *victim = NULL;
    for (uint32_t slot_idx = 0; slot_idx < REGEX_CACHE_SIZE; slot_idx++) {
        RegexEntry *entry = &regex_cache[slot_idx];
        if (entry->pattern != NULL && entry->cflags == cflags && entry->pattern_size == size &&
            memcmp(entry->pattern, pattern, size) == 0) {
            entry->ref_count++;
            entry->last_use = ++regex_clock;
            pthread_mutex_unlock(&regex_lock);
            *entry_out = entry;
            return NULL;
        }
        if (entry->ref_count == 0 &&
            (victim == NULL || entry->pattern == NULL ||
             (victim->pattern != NULL && entry->last_use < victim->last_use))) {
            victim = entry;
        }
    }
    Error *err = NULL;
    if (victim != NULL) {
        if (victim->pattern != NULL) {
            regfree(&victim->compiled);
            free(victim->pattern);
            victim->pattern = NULL;
        }
        err = compile_into(victim, pattern, size, cflags);
        if (err == NULL) {
            victim->ref_count = 1;
            victim->last_use = ++regex_clock;
            victim->temporary = false;
            *entry_out = victim;
        }
        pthread_mutex_unlock(&regex_lock);
        return err;
    }
    pthread_mutex_unlock(&regex_lock);
    RegexEntry *temporary = calloc(1, sizeof *temporary);
    if (temporary == NULL) return oom_err();
    err = compile_into(temporary, pattern, size, cflags);
    if (err != NULL) {
        free(temporary);
        return err;
    }
    temporary->temporary = true;
    *entry_out = temporary;
    return NULL;
}

static void release(RegexEntry *entry)
{
    if (entry == NULL) return;
    if (entry->temporary) {
        regfree(&entry->compiled);
        free(entry->pattern);
        free(entry);
        return;
    }
    pthread_mutex_lock(&regex_lock);
    ASSERT(entry->ref_count > 0);
    entry->ref_count--;
    pthread_mutex_unlock(&regex_lock);
}

void kern_regex_cache_clear(void)
{
    pthread_mutex_lock(&regex_lock);
    for (uint32_t slot_idx = 0; slot_idx < REGEX_CACHE_SIZE; slot_idx++) {
        RegexEntry *entry = &regex_cache[slot_idx];
        if (entry->pattern == NULL || entry->ref_count > 0) continue;
        regfree(&entry->compiled);
        free(entry->pattern);
        entry->pattern = NULL;
    }
    pthread_mutex_unlock(&regex_lock);
}

/* ---------------------------------------------------------------- matching ---- */

/* cstring: the view's bytes NUL-terminated. */
static const char *cstring(KernCtx *ctx, const StrView *view, char *buffer, Error **err)
{
    const char *text = kern_cstring(ctx, view, buffer, REGEX_STACK_TEXT_SIZE);
    if (text == NULL) *err = oom_err();
    return text;
}

static Error *match_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                           uint32_t count, Vector *out, bool icase, bool negate)
{
    const Vector *text = args[0], *pattern = args[1];
    TRY(kern_out_begin(out, args, 2, sel, count));
    int cflags = REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0);
    RegexEntry *shared = NULL;
    if (pattern->is_constant && row_valid(pattern, 0)) {
        const StrView *view = str_at(pattern, 0);
        TRY(acquire(str_view_data(view), view->size, cflags, &shared));
    }
    Error *err = NULL;
    FOR_ROWS(sel, count, {
        if (err == NULL && row_valid(text, r) && row_valid(pattern, r)) {
            RegexEntry *entry = shared;
            if (entry == NULL) {
                const StrView *view = str_at(pattern, r);
                err = acquire(str_view_data(view), view->size, cflags, &entry);
            }
            char buffer[REGEX_STACK_TEXT_SIZE];
            const char *subject = err == NULL ? cstring(ctx, str_at(text, r), buffer, &err) : NULL;
            if (err == NULL) {
                bool matched = regexec(&entry->compiled, subject, 0, NULL, 0) == 0;
                vec_bool(out)[r] = matched != negate;
            }
            if (entry != shared) release(entry);
        }
    });
    release(shared);
    return err;
}

KERN_DECLARE(kern_regex_match) { return match_kernel(ctx, args, sel, count, out, false, false); }
KERN_DECLARE(kern_regex_imatch) { return match_kernel(ctx, args, sel, count, out, true, false); }
KERN_DECLARE(kern_regex_not_match) { return match_kernel(ctx, args, sel, count, out, false, true); }
KERN_DECLARE(kern_regex_not_imatch) { return match_kernel(ctx, args, sel, count, out, true, true); }

typedef struct Replace {
    char  *data;
    size_t size;
    size_t capacity;
    Arena *arena;
} Replace;

static bool replace_put(Replace *buf, const char *data, size_t size)
{
    if (buf->capacity - buf->size < size) {
        size_t capacity = buf->capacity > 0 ? buf->capacity * 2 : 64;
        while (capacity - buf->size < size) capacity *= 2;
        char *grown = arena_alloc(buf->arena, capacity);
        if (grown == NULL) return false;
        if (buf->size > 0) memcpy(grown, buf->data, buf->size);
        buf->data = grown;
        buf->capacity = capacity;
    }
    if (size > 0) memcpy(buf->data + buf->size, data, size);
    buf->size += size;
    return true;
}

/* put_replacement: repl with \1..\9 and \& substituted from the match. */
static bool put_replacement(Replace *buf, const char *subject, const regmatch_t *groups,
                            const char *repl, size_t repl_size)
{
    for (size_t idx = 0; idx < repl_size; idx++) {
        char ch = repl[idx];
        if (ch == '\\' && idx + 1 < repl_size) {
            char next = repl[idx + 1];
            int group = next == '&' ? 0 : (next >= '1' && next <= '9') ? next - '0' : -1;
            if (group >= 0) {
                idx++;
                if (groups[group].rm_so >= 0 &&
                    !replace_put(buf, subject + groups[group].rm_so,
                                 (size_t)(groups[group].rm_eo - groups[group].rm_so))) {
                    return false;
                }
                continue;
            }
            if (next == '\\') idx++;
        }
        if (!replace_put(buf, &ch, 1)) return false;
    }
    return true;
}

static Error *parse_flags(const StrView *flags, bool *global_out, int *cflags_out)
{
    const char *data = str_view_data(flags);
    for (uint32_t idx = 0; idx < flags->size; idx++) {
        switch (data[idx]) {
        case 'g': *global_out = true; break;
        case 'i': *cflags_out |= REG_ICASE; break;
        case 'c': *cflags_out &= ~REG_ICASE; break;
        default:
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "invalid regular expression option: \"%c\"", data[idx]);
        }
    }
    return NULL;
}

static Error *replace_one(KernCtx *ctx, const regex_t *compiled, const StrView *text,
                          const StrView *repl, bool global, Vector *out, uint32_t row_idx)
{
    char buffer[REGEX_STACK_TEXT_SIZE];
    Error *err = NULL;
    const char *subject = cstring(ctx, text, buffer, &err);
    TRY(err);
    Replace buf = { .arena = ctx->arena };
    size_t offset = 0, size = text->size;
    regmatch_t groups[REGEX_GROUP_MAX];
    while (offset <= size) {
        int eflags = offset > 0 ? REG_NOTBOL : 0;
        if (regexec(compiled, subject + offset, REGEX_GROUP_MAX, groups, eflags) != 0) break;
        for (int group = 0; group < REGEX_GROUP_MAX; group++) {
            if (groups[group].rm_so >= 0) {
                groups[group].rm_so += (regoff_t)offset;
                groups[group].rm_eo += (regoff_t)offset;
            }
        }
        size_t start = (size_t)groups[0].rm_so, end = (size_t)groups[0].rm_eo;
        if (!replace_put(&buf, subject + offset, start - offset) ||
            !put_replacement(&buf, subject, groups, str_view_data(repl), repl->size)) {
            return oom_err();
        }
        offset = end;
        if (end == start) {
            if (offset < size && !replace_put(&buf, subject + offset, 1)) return oom_err();
            offset++;
        }
        if (!global) break;
    }
    if (offset < size && !replace_put(&buf, subject + offset, size - offset)) return oom_err();
    return vec_str_set(out, row_idx, buf.size > 0 ? buf.data : "", (uint32_t)buf.size);
}

static Error *replace_kernel(KernCtx *ctx, const Vector *const *args, uint32_t arg_count,
                             const uint16_t *sel, uint32_t count, Vector *out)
{
    const Vector *text = args[0], *pattern = args[1], *repl = args[2];
    const Vector *flags = arg_count > 3 ? args[3] : NULL;
    TRY(kern_out_begin(out, args, arg_count, sel, count));
    Error *err = NULL;
    FOR_ROWS(sel, count, {
        if (err == NULL && !vec_is_null(out, r)) {
            bool global = false;
            int cflags = REG_EXTENDED;
            if (flags != NULL) err = parse_flags(str_at(flags, r), &global, &cflags);
            RegexEntry *entry = NULL;
            if (err == NULL) {
                const StrView *view = str_at(pattern, r);
                err = acquire(str_view_data(view), view->size, cflags, &entry);
            }
            if (err == NULL) {
                err = replace_one(ctx, &entry->compiled, str_at(text, r), str_at(repl, r), global,
                                  out, r);
            }
            release(entry);
        }
    });
    return err;
}

KERN_DECLARE(kern_regexp_replace3) { return replace_kernel(ctx, args, 3, sel, count, out); }
KERN_DECLARE(kern_regexp_replace4) { return replace_kernel(ctx, args, 4, sel, count, out); }

/* The binder passes at most three arguments (PLAN_FUNC_ARG_MAX), so regexp_replace(s, p, r, f)
 * binds as regexp_replace_flagged(s, regexp_flags(f, p), r): flags, a 0x01 byte, the pattern. */
KERN_DECLARE(kern_regexp_flags)
{
    const Vector *flags = args[0], *pattern = args[1];
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!vec_is_null(out, r)) {
            const StrView *flag_view = str_at(flags, r), *pattern_view = str_at(pattern, r);
            size_t size = (size_t)flag_view->size + 1 + pattern_view->size;
            char *joined = arena_alloc(ctx->arena, size);
            if (joined == NULL) return oom_err();
            memcpy(joined, str_view_data(flag_view), flag_view->size);
            joined[flag_view->size] = '\x01';
            memcpy(joined + flag_view->size + 1, str_view_data(pattern_view), pattern_view->size);
            TRY(vec_str_set(out, r, joined, (uint32_t)size));
        }
    });
    return NULL;
}

KERN_DECLARE(kern_regexp_replace_flagged)
{
    const Vector *joined = args[1];
    Vector pattern, flags;
    vec_init(&pattern, type_plain(TYPE_TEXT), ctx->arena);
    vec_init(&flags, type_plain(TYPE_TEXT), ctx->arena);
    uint32_t span = kern_span(sel, count);
    TRY(vec_reserve(&pattern, span > 0 ? span : 1));
    TRY(vec_reserve(&flags, span > 0 ? span : 1));
    FOR_ROWS(sel, count, {
        if (!row_valid(joined, r)) {
            TRY(vec_set_null(&pattern, r));
            TRY(vec_set_null(&flags, r));
        } else {
            const StrView *view = str_at(joined, r);
            const char *data = str_view_data(view);
            const char *mark = memchr(data, 1, view->size);
            uint32_t flag_size = mark != NULL ? (uint32_t)(mark - data) : 0;
            uint32_t skip = mark != NULL ? flag_size + 1 : 0;
            TRY(vec_str_set(&flags, r, data, flag_size));
            TRY(vec_str_set(&pattern, r, data + skip, view->size - skip));
        }
    });
    const Vector *argv[4] = { args[0], &pattern, args[2], &flags };
    return replace_kernel(ctx, argv, 4, sel, count, out);
}
