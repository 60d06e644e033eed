/* common/json.c: JSON parsing with PostgreSQL's error details, jsonb's normal form, and the
 * tree walks behind the json operators (common/json.h).
 *
 * The lexer follows PostgreSQL's json_lex: a token that is not punctuation, a string or a
 * complete number extends over the letters, digits, '_', '$' and non-ASCII bytes after it, and
 * that whole run is the invalid token the detail names ("1e5x", "tru"). The parser is
 * recursive descent, bounded by JSON_DEPTH_MAX. */
#include "common/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/numeric.h"

typedef enum TokKind {
    TOK_END = 0, TOK_LBRACE, TOK_RBRACE, TOK_LBRACKET, TOK_RBRACKET, TOK_COMMA, TOK_COLON,
    TOK_STRING, TOK_NUMBER, TOK_TRUE, TOK_FALSE, TOK_NULL,
} TokKind;

typedef struct Parser {
    const char *text;
    size_t      size;
    size_t      pos;         /* next byte to lex */
    bool        jsonb;
    Arena      *arena;
    TokKind     tok;         /* the current token */
    size_t      tok_start;
    size_t      tok_end;
    uint32_t    depth;
} Parser;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *syntax(const char *fmt_detail, const char *token, size_t token_size)
{
    Error *err = err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type json");
    int shown = token_size > 10000 ? 10000 : (int)token_size;
    if (token == NULL) return err_set_detail(err, "%s", fmt_detail);
    return err_set_detail(err, fmt_detail, shown, token);
}

static Error *ended(void) { return syntax("The input string ended unexpectedly.", NULL, 0); }

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool is_alnum(char c)
{
    unsigned char u = (unsigned char)c;
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
           u == '$' || u >= 0x80;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* lex_string: the string starting at p->pos ('"'); checks escapes (decoding is separate). */
static Error *lex_string(Parser *p)
{
    size_t pos = p->pos + 1;
    while (pos < p->size) {
        char c = p->text[pos];
        if (c == '"') {
            p->tok = TOK_STRING;
            p->tok_end = pos + 1;
            p->pos = pos + 1;
            return NULL;
        }
        if ((unsigned char)c < 0x20) {
            char detail[64];
            snprintf(detail, sizeof detail, "Character with value 0x%02x must be escaped.",
                     (unsigned)(unsigned char)c);
            return syntax(detail, NULL, 0);
        }
        if (c != '\\') {
            pos++;
            continue;
        }
        pos++;
        if (pos >= p->size) break;
        char e = p->text[pos];
        if (e == 'u') {
            for (int digit_idx = 1; digit_idx <= 4; digit_idx++) {
                if (pos + (size_t)digit_idx >= p->size) {
                    return syntax("\"\\u\" must be followed by four hexadecimal digits.", NULL, 0);
                }
                if (hex_value(p->text[pos + (size_t)digit_idx]) < 0) {
                    return syntax("\"\\u\" must be followed by four hexadecimal digits.", NULL, 0);
                }
            }
            pos += 5;
            continue;
        }
        if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
            size_t esc_size = 1;
            while (pos + esc_size < p->size && ((unsigned char)p->text[pos + esc_size] & 0xC0) == 0x80) {
                esc_size++;
            }
            return syntax("Escape sequence \"\\%.*s\" is invalid.", p->text + pos, esc_size);
        }
        pos++;
    }
    /* unterminated: PostgreSQL names the rest of the input as the token */
    return syntax("Token \"%.*s\" is invalid.", p->text + p->pos, p->size - p->pos);
}

/* lex_number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? followed by no alphanumeric. */
static Error *lex_number(Parser *p)
{
    size_t pos = p->pos;
    bool bad = false;
    if (p->text[pos] == '-') pos++;
    if (pos < p->size && p->text[pos] == '0') {
        pos++;
    } else if (pos < p->size && is_digit(p->text[pos])) {
        while (pos < p->size && is_digit(p->text[pos])) pos++;
    } else {
        bad = true;
    }
    if (!bad && pos < p->size && p->text[pos] == '.') {
        pos++;
        if (pos < p->size && is_digit(p->text[pos])) {
            while (pos < p->size && is_digit(p->text[pos])) pos++;
        } else {
            bad = true;
        }
    }
    if (!bad && pos < p->size && (p->text[pos] == 'e' || p->text[pos] == 'E')) {
        pos++;
        if (pos < p->size && (p->text[pos] == '+' || p->text[pos] == '-')) pos++;
        if (pos < p->size && is_digit(p->text[pos])) {
            while (pos < p->size && is_digit(p->text[pos])) pos++;
        } else {
            bad = true;
        }
    }
    size_t end = pos;
    while (end < p->size && is_alnum(p->text[end])) end++;
    if (bad || end != pos) return syntax("Token \"%.*s\" is invalid.", p->text + p->pos, end - p->pos);
    p->tok = TOK_NUMBER;
    p->tok_end = pos;
    p->pos = pos;
    return NULL;
}

/* next_token: advance to the next token (TOK_END at the end of the input). */
static Error *next_token(Parser *p)
{
    while (p->pos < p->size && is_space(p->text[p->pos])) p->pos++;
    p->tok_start = p->pos;
    if (p->pos >= p->size) {
        p->tok = TOK_END;
        p->tok_end = p->pos;
        return NULL;
    }
    char c = p->text[p->pos];
    static const char PUNCT[] = "{}[],:";
    static const TokKind PUNCT_KINDS[] = { TOK_LBRACE, TOK_RBRACE, TOK_LBRACKET, TOK_RBRACKET,
                                           TOK_COMMA, TOK_COLON };
    const char *punct = c != '\0' ? strchr(PUNCT, c) : NULL;
    if (punct != NULL) {
        p->tok = PUNCT_KINDS[punct - PUNCT];
        p->tok_end = ++p->pos;
        return NULL;
    }
    if (c == '"') return lex_string(p);
    if (c == '-' || is_digit(c)) return lex_number(p);
    size_t end = p->pos;
    while (end < p->size && is_alnum(p->text[end])) end++;
    if (end == p->pos) return syntax("Token \"%.*s\" is invalid.", p->text + p->pos, 1);
    size_t word_size = end - p->pos;
    const char *word = p->text + p->pos;
    if (word_size == 4 && memcmp(word, "true", 4) == 0) p->tok = TOK_TRUE;
    else if (word_size == 5 && memcmp(word, "false", 5) == 0) p->tok = TOK_FALSE;
    else if (word_size == 4 && memcmp(word, "null", 4) == 0) p->tok = TOK_NULL;
    else return syntax("Token \"%.*s\" is invalid.", word, word_size);
    p->tok_end = p->pos = end;
    return NULL;
}

/* found: an error for an unexpected current token. */
static Error *found(const Parser *p, const char *detail_fmt)
{
    if (p->tok == TOK_END) return ended();
    return syntax(detail_fmt, p->text + p->tok_start, p->tok_end - p->tok_start);
}

/* ---------------------------------------------------------------- string decoding ---- */

static size_t put_utf8(char *out, uint32_t code)
{
    if (code < 0x80) {
        out[0] = (char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (char)(0xC0 | (code >> 6));
        out[1] = (char)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (char)(0xE0 | (code >> 12));
        out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (code >> 18));
    out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[3] = (char)(0x80 | (code & 0x3F));
    return 4;
}

static uint32_t hex4(const char *text)
{
    uint32_t value = 0;
    for (int digit_idx = 0; digit_idx < 4; digit_idx++) {
        value = value << 4 | (uint32_t)hex_value(text[digit_idx]);
    }
    return value;
}

/* decode_string: the token's contents (escapes checked by the lexer) as UTF-8 in the arena. */
static Error *decode_string(Parser *p, const char **out, uint32_t *size_out)
{
    const char *src = p->text + p->tok_start + 1;
    size_t src_size = p->tok_end - p->tok_start - 2;
    char *dst = arena_alloc(p->arena, src_size + 1);
    if (dst == NULL) return oom();
    size_t used = 0;
    uint32_t high = 0;   /* a pending high surrogate (jsonb) */
    for (size_t pos = 0; pos < src_size;) {
        char c = src[pos];
        if (c != '\\') {
            if (high != 0) return syntax("Unicode low surrogate must follow a high surrogate.", NULL, 0);
            dst[used++] = c;
            pos++;
            continue;
        }
        char e = src[pos + 1];
        if (e != 'u') {
            if (high != 0) return syntax("Unicode low surrogate must follow a high surrogate.", NULL, 0);
            static const char FROM[] = "\"\\/bfnrt", TO[] = "\"\\/\b\f\n\r\t";
            dst[used++] = TO[strchr(FROM, e) - FROM];
            pos += 2;
            continue;
        }
        uint32_t code = hex4(src + pos + 2);
        if (!p->jsonb) {
            /* json keeps what it cannot de-escape (lone surrogates, \u0000) as written */
            bool pair = code >= 0xD800 && code <= 0xDBFF && pos + 12 <= src_size &&
                        src[pos + 6] == '\\' && src[pos + 7] == 'u' &&
                        hex_value(src[pos + 8]) >= 0 && hex4(src + pos + 8) >= 0xDC00 &&
                        hex4(src + pos + 8) <= 0xDFFF;
            if (pair) {
                uint32_t low = hex4(src + pos + 8);
                used += put_utf8(dst + used, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00));
                pos += 12;
            } else if (code == 0 || (code >= 0xD800 && code <= 0xDFFF)) {
                memcpy(dst + used, src + pos, 6);
                used += 6;
                pos += 6;
            } else {
                used += put_utf8(dst + used, code);
                pos += 6;
            }
            continue;
        }
        pos += 6;
        if (code >= 0xD800 && code <= 0xDBFF) {
            if (high != 0) return syntax("Unicode high surrogate must not follow a high surrogate.", NULL, 0);
            high = code;
            continue;
        }
        if (code >= 0xDC00 && code <= 0xDFFF) {
            if (high == 0) return syntax("Unicode low surrogate must follow a high surrogate.", NULL, 0);
            code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00);
            high = 0;
        } else if (high != 0) {
            return syntax("Unicode low surrogate must follow a high surrogate.", NULL, 0);
        }
        if (code == 0) {
            return err_set_detail(err_new(SQLSTATE_UNTRANSLATABLE_CHARACTER,
                                          "unsupported Unicode escape sequence"),
                                  "\\u0000 cannot be converted to text.");
        }
        used += put_utf8(dst + used, code);   /* 4 bytes at most for 6 or 12 source bytes */
    }
    if (high != 0) return syntax("Unicode low surrogate must follow a high surrogate.", NULL, 0);
    dst[used] = '\0';
    *out = dst;
    *size_out = (uint32_t)used;
    return NULL;
}

/* ---------------------------------------------------------------- parser ---- */

static Error *parse_value(Parser *p, JsonValue **out);

static JsonValue *new_value(Parser *p, JsonKind kind)
{
    JsonValue *value = arena_calloc(p->arena, sizeof *value);
    if (value != NULL) {
        value->kind = kind;
        value->raw = p->text + p->tok_start;
    }
    return value;
}

static Error *grow(Arena *arena, void **items, uint32_t count, uint32_t *capacity, size_t item_size)
{
    if (count < *capacity) return NULL;
    uint32_t new_capacity = *capacity == 0 ? 4 : *capacity * 2;
    void *bigger = arena_alloc(arena, item_size * new_capacity);
    if (bigger == NULL) return oom();
    if (count > 0) memcpy(bigger, *items, item_size * count);
    *items = bigger;
    *capacity = new_capacity;
    return NULL;
}

typedef struct KeyOrder {
    const JsonPair *pair;
    uint32_t        input_idx;
} KeyOrder;

static int key_cmp(const char *a, uint32_t a_size, const char *b, uint32_t b_size)
{
    if (a_size != b_size) return a_size < b_size ? -1 : 1;
    return a_size == 0 ? 0 : memcmp(a, b, a_size);
}

static int key_order_cmp(const void *left, const void *right)
{
    const KeyOrder *a = left, *b = right;
    int order = key_cmp(a->pair->key, a->pair->key_size, b->pair->key, b->pair->key_size);
    if (order != 0) return order;
    return a->input_idx < b->input_idx ? -1 : (a->input_idx > b->input_idx ? 1 : 0);
}

/* normalize_object: jsonb's pair order (length, then bytes), the last of duplicate keys. */
static Error *normalize_object(Parser *p, JsonValue *object)
{
    if (object->count < 2) return NULL;
    KeyOrder *order = arena_alloc(p->arena, sizeof *order * object->count);
    JsonPair *pairs = arena_alloc(p->arena, sizeof *pairs * object->count);
    if (order == NULL || pairs == NULL) return oom();
    for (uint32_t pair_idx = 0; pair_idx < object->count; pair_idx++) {
        order[pair_idx] = (KeyOrder){ &object->pairs[pair_idx], pair_idx };
    }
    qsort(order, object->count, sizeof *order, key_order_cmp);
    uint32_t kept = 0;
    for (uint32_t pair_idx = 0; pair_idx < object->count; pair_idx++) {
        bool last_of_key = pair_idx + 1 == object->count ||
                           key_cmp(order[pair_idx].pair->key, order[pair_idx].pair->key_size,
                                   order[pair_idx + 1].pair->key,
                                   order[pair_idx + 1].pair->key_size) != 0;
        if (last_of_key) pairs[kept++] = *order[pair_idx].pair;
    }
    object->pairs = pairs;
    object->count = kept;
    return NULL;
}

static Error *parse_object(Parser *p, JsonValue *object)
{
    uint32_t capacity = 0;
    TRY(next_token(p));
    if (p->tok == TOK_RBRACE) return next_token(p);
    if (p->tok != TOK_STRING) return found(p, "Expected string or \"}\", but found \"%.*s\".");
    for (uint32_t pair_idx = 0; pair_idx < UINT32_MAX; pair_idx++) {
        if (p->tok != TOK_STRING) return found(p, "Expected string, but found \"%.*s\".");
        TRY(grow(p->arena, (void **)&object->pairs, object->count, &capacity, sizeof(JsonPair)));
        JsonPair *pair = &object->pairs[object->count];
        TRY(decode_string(p, &pair->key, &pair->key_size));
        TRY(next_token(p));
        if (p->tok != TOK_COLON) return found(p, "Expected \":\", but found \"%.*s\".");
        TRY(next_token(p));
        TRY(parse_value(p, &pair->value));
        object->count++;
        if (p->tok == TOK_RBRACE) break;
        if (p->tok != TOK_COMMA) return found(p, "Expected \",\" or \"}\", but found \"%.*s\".");
        TRY(next_token(p));
    }
    TRY(next_token(p));
    return p->jsonb ? normalize_object(p, object) : NULL;
}

static Error *parse_array(Parser *p, JsonValue *array)
{
    uint32_t capacity = 0;
    TRY(next_token(p));
    if (p->tok == TOK_RBRACKET) return next_token(p);
    for (uint32_t elem_idx = 0; elem_idx < UINT32_MAX; elem_idx++) {
        TRY(grow(p->arena, (void **)&array->elems, array->count, &capacity, sizeof(JsonValue *)));
        TRY(parse_value(p, &array->elems[array->count]));
        array->count++;
        if (p->tok == TOK_RBRACKET) break;
        if (p->tok != TOK_COMMA) return found(p, "Expected \",\" or \"]\", but found \"%.*s\".");
        TRY(next_token(p));
    }
    return next_token(p);
}

static Error *normalize_number(Parser *p, JsonValue *value)
{
    Numeric num;
    TRY(numeric_from_chars(value->str, value->str_size, p->arena, &num));
    char *text = NULL;
    TRY(numeric_to_text(&num, p->arena, &text));
    value->str = text;
    value->str_size = (uint32_t)strlen(text);
    return NULL;
}

/* parse_value: the value starting at the current token; leaves the token after it current. */
static Error *parse_value(Parser *p, JsonValue **out)
{
    JsonValue *value = NULL;
    size_t start = p->tok_start;
    switch (p->tok) {
    case TOK_LBRACE:
    case TOK_LBRACKET:
        if (p->depth >= JSON_DEPTH_MAX) {
            return err_set_hint(err_new(SQLSTATE_STATEMENT_TOO_COMPLEX, "stack depth limit exceeded"),
                                "JSON values may nest at most %d levels.", JSON_DEPTH_MAX);
        }
        value = new_value(p, p->tok == TOK_LBRACE ? JSON_KIND_OBJECT : JSON_KIND_ARRAY);
        if (value == NULL) return oom();
        p->depth++;
        size_t close_end;
        if (value->kind == JSON_KIND_OBJECT) TRY(parse_object(p, value));
        else TRY(parse_array(p, value));
        p->depth--;
        /* the closing bracket ended just before the current token's leading space */
        close_end = p->tok_start;
        while (close_end > start && is_space(p->text[close_end - 1])) close_end--;
        value->raw_size = (uint32_t)(close_end - start);
        *out = value;
        return NULL;
    case TOK_STRING:
        if ((value = new_value(p, JSON_KIND_STRING)) == NULL) return oom();
        TRY(decode_string(p, &value->str, &value->str_size));
        break;
    case TOK_NUMBER:
        if ((value = new_value(p, JSON_KIND_NUMBER)) == NULL) return oom();
        value->str = p->text + p->tok_start;
        value->str_size = (uint32_t)(p->tok_end - p->tok_start);
        if (p->jsonb) TRY(normalize_number(p, value));
        break;
    case TOK_TRUE:
    case TOK_FALSE:
        if ((value = new_value(p, JSON_KIND_BOOL)) == NULL) return oom();
        value->boolean = p->tok == TOK_TRUE;
        break;
    case TOK_NULL:
        if ((value = new_value(p, JSON_KIND_NULL)) == NULL) return oom();
        break;
    default:
        return found(p, "Expected JSON value, but found \"%.*s\".");
    }
    value->raw_size = (uint32_t)(p->tok_end - p->tok_start);
    *out = value;
    return next_token(p);
}

Error *json_parse(const char *text, size_t size, bool jsonb, Arena *arena, JsonValue **out)
{
    if (size > UINT32_MAX) return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "JSON value too large");
    Parser p = { .text = text, .size = size, .jsonb = jsonb, .arena = arena };
    TRY(next_token(&p));
    TRY(parse_value(&p, out));
    if (p.tok != TOK_END) return found(&p, "Expected end of input, but found \"%.*s\".");
    ASSERT(p.depth == 0);
    return NULL;
}

Error *json_validate(const char *text, size_t size, Arena *arena)
{
    JsonValue *value = NULL;
    return json_parse(text, size, false, arena, &value);
}

Error *json_to_jsonb_text(const char *text, size_t size, Arena *arena, const char **out,
                          size_t *size_out)
{
    JsonValue *value = NULL;
    TRY(json_parse(text, size, true, arena, &value));
    JsonBuf buf;
    json_buf_init(&buf, arena);
    json_write_jsonb(&buf, value);
    TRY(json_buf_finish(&buf));
    *out = buf.data;
    *size_out = buf.size;
    return NULL;
}

/* ---------------------------------------------------------------- output ---- */

void json_buf_init(JsonBuf *buf, Arena *arena) { *buf = (JsonBuf){ .arena = arena }; }

void json_buf_append(JsonBuf *buf, const char *data, size_t size)
{
    if (buf->failed) return;
    if (buf->size + size + 1 > buf->capacity) {
        size_t capacity = buf->capacity == 0 ? 64 : buf->capacity;
        while (capacity < buf->size + size + 1) capacity *= 2;
        char *bigger = arena_alloc(buf->arena, capacity);
        if (bigger == NULL) {
            buf->failed = true;
            return;
        }
        if (buf->size > 0) memcpy(bigger, buf->data, buf->size);
        buf->data = bigger;
        buf->capacity = capacity;
    }
    if (size > 0) memcpy(buf->data + buf->size, data, size);
    buf->size += size;
    buf->data[buf->size] = '\0';
}

void json_buf_append_str(JsonBuf *buf, const char *text) { json_buf_append(buf, text, strlen(text)); }

Error *json_buf_finish(JsonBuf *buf)
{
    if (buf->failed) return oom();
    if (buf->data == NULL) json_buf_append(buf, "", 0);
    return buf->failed ? oom() : NULL;
}

void json_escape(JsonBuf *buf, const char *data, size_t size)
{
    json_buf_append(buf, "\"", 1);
    size_t run_start = 0;
    for (size_t pos = 0; pos < size; pos++) {
        unsigned char c = (unsigned char)data[pos];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        json_buf_append(buf, data + run_start, pos - run_start);
        run_start = pos + 1;
        char escaped[8];
        switch (c) {
        case '"': json_buf_append(buf, "\\\"", 2); break;
        case '\\': json_buf_append(buf, "\\\\", 2); break;
        case '\b': json_buf_append(buf, "\\b", 2); break;
        case '\f': json_buf_append(buf, "\\f", 2); break;
        case '\n': json_buf_append(buf, "\\n", 2); break;
        case '\r': json_buf_append(buf, "\\r", 2); break;
        case '\t': json_buf_append(buf, "\\t", 2); break;
        default:
            snprintf(escaped, sizeof escaped, "\\u%04x", (unsigned)c);
            json_buf_append(buf, escaped, 6);
            break;
        }
    }
    json_buf_append(buf, data + run_start, size - run_start);
    json_buf_append(buf, "\"", 1);
}

void json_write_jsonb(JsonBuf *buf, const JsonValue *value)
{
    switch (value->kind) {
    case JSON_KIND_NULL: json_buf_append(buf, "null", 4); return;
    case JSON_KIND_BOOL: json_buf_append_str(buf, value->boolean ? "true" : "false"); return;
    case JSON_KIND_NUMBER: json_buf_append(buf, value->str, value->str_size); return;
    case JSON_KIND_STRING: json_escape(buf, value->str, value->str_size); return;
    case JSON_KIND_ARRAY:
        json_buf_append(buf, "[", 1);
        for (uint32_t elem_idx = 0; elem_idx < value->count; elem_idx++) {
            if (elem_idx > 0) json_buf_append(buf, ", ", 2);
            json_write_jsonb(buf, value->elems[elem_idx]);
        }
        json_buf_append(buf, "]", 1);
        return;
    case JSON_KIND_OBJECT:
        json_buf_append(buf, "{", 1);
        for (uint32_t pair_idx = 0; pair_idx < value->count; pair_idx++) {
            if (pair_idx > 0) json_buf_append(buf, ", ", 2);
            json_escape(buf, value->pairs[pair_idx].key, value->pairs[pair_idx].key_size);
            json_buf_append(buf, ": ", 2);
            json_write_jsonb(buf, value->pairs[pair_idx].value);
        }
        json_buf_append(buf, "}", 1);
        return;
    }
}

const char *json_kind_name(JsonKind kind)
{
    switch (kind) {
    case JSON_KIND_NULL: return "null";
    case JSON_KIND_STRING: return "string";
    case JSON_KIND_NUMBER: return "number";
    case JSON_KIND_BOOL: return "boolean";
    case JSON_KIND_ARRAY: return "array";
    case JSON_KIND_OBJECT: return "object";
    }
    return "null";
}

/* ---------------------------------------------------------------- walks ---- */

const JsonValue *json_object_get(const JsonValue *value, const char *key, size_t key_size)
{
    if (value->kind != JSON_KIND_OBJECT) return NULL;
    const JsonValue *match = NULL;
    for (uint32_t pair_idx = 0; pair_idx < value->count; pair_idx++) {
        const JsonPair *pair = &value->pairs[pair_idx];
        if (pair->key_size == key_size && memcmp(pair->key, key, key_size) == 0) match = pair->value;
    }
    return match;
}

const JsonValue *json_array_get(const JsonValue *value, int64_t idx)
{
    if (value->kind != JSON_KIND_ARRAY) return NULL;
    if (idx < 0) idx += value->count;
    if (idx < 0 || idx >= (int64_t)value->count) return NULL;
    return value->elems[idx];
}

static int numbers_cmp(const JsonValue *a, const JsonValue *b)
{
    /* both are normalized numeric text; compare as numerics in a small scratch arena */
    Arena *arena = arena_create(1024);
    if (arena == NULL) return key_cmp(a->str, a->str_size, b->str, b->str_size);
    Numeric x, y;
    int order;
    if (numeric_from_chars(a->str, a->str_size, arena, &x) != NULL ||
        numeric_from_chars(b->str, b->str_size, arena, &y) != NULL) {
        order = key_cmp(a->str, a->str_size, b->str, b->str_size);
    } else {
        order = numeric_cmp(&x, &y);
    }
    arena_destroy(arena);
    return order;
}

static bool scalar_equal(const JsonValue *a, const JsonValue *b)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case JSON_KIND_NULL: return true;
    case JSON_KIND_BOOL: return a->boolean == b->boolean;
    case JSON_KIND_STRING: return key_cmp(a->str, a->str_size, b->str, b->str_size) == 0;
    case JSON_KIND_NUMBER: return numbers_cmp(a, b) == 0;
    default: return false;
    }
}

static bool contains_value(const JsonValue *a, const JsonValue *b, uint32_t depth);

static bool array_contains(const JsonValue *a, const JsonValue *b, uint32_t depth)
{
    for (uint32_t b_idx = 0; b_idx < b->count; b_idx++) {
        const JsonValue *want = b->elems[b_idx];
        bool seen = false;
        for (uint32_t a_idx = 0; a_idx < a->count && !seen; a_idx++) {
            const JsonValue *have = a->elems[a_idx];
            if (want->kind == JSON_KIND_ARRAY || want->kind == JSON_KIND_OBJECT) {
                seen = have->kind == want->kind && contains_value(have, want, depth + 1);
            } else {
                seen = scalar_equal(have, want);
            }
        }
        if (!seen) return false;
    }
    return true;
}

static bool contains_value(const JsonValue *a, const JsonValue *b, uint32_t depth)
{
    if (depth > JSON_DEPTH_MAX) return false;
    if (a->kind != b->kind) return false;
    if (a->kind == JSON_KIND_OBJECT) {
        for (uint32_t pair_idx = 0; pair_idx < b->count; pair_idx++) {
            const JsonPair *pair = &b->pairs[pair_idx];
            const JsonValue *have = json_object_get(a, pair->key, pair->key_size);
            if (have == NULL) return false;
            if (pair->value->kind == JSON_KIND_ARRAY || pair->value->kind == JSON_KIND_OBJECT) {
                if (!contains_value(have, pair->value, depth + 1)) return false;
            } else if (!scalar_equal(have, pair->value)) {
                return false;
            }
        }
        return true;
    }
    if (a->kind == JSON_KIND_ARRAY) return array_contains(a, b, depth);
    return scalar_equal(a, b);
}

bool json_contains(const JsonValue *a, const JsonValue *b)
{
    /* a top-level scalar b is contained in an array a that has it as an element */
    if (a->kind == JSON_KIND_ARRAY && b->kind != JSON_KIND_ARRAY && b->kind != JSON_KIND_OBJECT) {
        for (uint32_t a_idx = 0; a_idx < a->count; a_idx++) {
            if (scalar_equal(a->elems[a_idx], b)) return true;
        }
        return false;
    }
    return contains_value(a, b, 0);
}

static int kind_rank(const JsonValue *value, bool top)
{
    switch (value->kind) {
    case JSON_KIND_NULL: return 1;
    case JSON_KIND_STRING: return 2;
    case JSON_KIND_NUMBER: return 3;
    case JSON_KIND_BOOL: return 4;
    case JSON_KIND_ARRAY: return top && value->count == 0 ? 0 : 5;
    case JSON_KIND_OBJECT: return 6;
    }
    return 0;
}

static int cmp_value(const JsonValue *a, const JsonValue *b, bool top, uint32_t depth)
{
    int rank_a = kind_rank(a, top), rank_b = kind_rank(b, top);
    if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
    if (depth > JSON_DEPTH_MAX) return 0;
    switch (a->kind) {
    case JSON_KIND_NULL: return 0;
    case JSON_KIND_BOOL: return (int)a->boolean - (int)b->boolean;
    case JSON_KIND_NUMBER: return numbers_cmp(a, b);
    case JSON_KIND_STRING: {
        size_t common = a->str_size < b->str_size ? a->str_size : b->str_size;
        int order = common == 0 ? 0 : memcmp(a->str, b->str, common);
        if (order != 0) return order < 0 ? -1 : 1;
        return a->str_size < b->str_size ? -1 : (a->str_size > b->str_size ? 1 : 0);
    }
    case JSON_KIND_ARRAY:
        if (a->count != b->count) return a->count < b->count ? -1 : 1;
        for (uint32_t elem_idx = 0; elem_idx < a->count; elem_idx++) {
            int order = cmp_value(a->elems[elem_idx], b->elems[elem_idx], false, depth + 1);
            if (order != 0) return order;
        }
        return 0;
    case JSON_KIND_OBJECT:
        if (a->count != b->count) return a->count < b->count ? -1 : 1;
        for (uint32_t pair_idx = 0; pair_idx < a->count; pair_idx++) {
            const JsonPair *x = &a->pairs[pair_idx], *y = &b->pairs[pair_idx];
            int order = key_cmp(x->key, x->key_size, y->key, y->key_size);
            if (order != 0) return order < 0 ? -1 : 1;
            order = cmp_value(x->value, y->value, false, depth + 1);
            if (order != 0) return order;
        }
        return 0;
    }
    return 0;
}

int json_cmp(const JsonValue *a, const JsonValue *b) { return cmp_value(a, b, true, 0); }
