/* parser/tok.c: PostgreSQL's lexical rules, by hand.
 *
 * Follows PostgreSQL 15's scan.l: standard_conforming_strings is on (a backslash in '...' is an
 * ordinary character; E'...' takes C-like escapes), string literals separated only by white
 * space containing a newline are one literal, block comments nest, and a multi-character operator
 * may not end in + or - unless it also holds one of ~ ! @ # % ^ & | ` ? (so "a=-1" is "=", "-").
 * A number immediately followed by a letter ends at the letter, as in PostgreSQL 15.
 */
#include "parser/tok.h"

#include <stdint.h>
#include <string.h>

#include "common/asserts.h"

enum { TOK_DOLLAR_TAG_SIZE_MAX = 256 };

void tok_init(Tokenizer *tok, Arena *arena, const char *sql)
{
    ASSERT(sql != NULL);
    tok->arena = arena;
    tok->sql = sql;
    tok->sql_size = strlen(sql);
    tok->offset = 0;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_ident_start(char ch)
{
    unsigned char byte = (unsigned char)ch;
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || byte >= 0x80;
}
static bool is_ident_cont(char ch) { return is_ident_start(ch) || is_digit(ch) || ch == '$'; }
static bool is_op_char(char ch)
{
    return ch != '\0' && strchr("~!@#^&|`?+-*/%<>=", ch) != NULL;
}
static bool is_hex(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* error_near: PostgreSQL's scanner error: the rest of the input from the token's start. */
static Error *error_near(const Tokenizer *tok, size_t start, const char *message)
{
    return err_at(SQLSTATE_SYNTAX_ERROR, (int)start + 1, "%s at or near \"%s\"", message,
                  tok->sql + start);
}

/* A growable byte buffer in the arena, for literal values. */
typedef struct Buf {
    Arena *arena;
    char  *data;
    size_t size;
    size_t capacity;
    bool   failed;
} Buf;

static void buf_put(Buf *buf, const char *bytes, size_t size)
{
    if (buf->failed) return;
    if (buf->size + size + 1 > buf->capacity) {
        size_t capacity = buf->capacity < 32 ? 32 : buf->capacity;
        while (capacity < buf->size + size + 1) capacity *= 2;
        char *data = arena_alloc(buf->arena, capacity);
        if (data == NULL) {
            buf->failed = true;
            return;
        }
        if (buf->size > 0) memcpy(data, buf->data, buf->size);
        buf->data = data;
        buf->capacity = capacity;
    }
    memcpy(buf->data + buf->size, bytes, size);
    buf->size += size;
    buf->data[buf->size] = '\0';
}

static void buf_put_utf8(Buf *buf, uint32_t code)
{
    char bytes[4];
    size_t size;
    if (code < 0x80) {
        bytes[0] = (char)code;
        size = 1;
    } else if (code < 0x800) {
        bytes[0] = (char)(0xc0 | (code >> 6));
        bytes[1] = (char)(0x80 | (code & 0x3f));
        size = 2;
    } else if (code < 0x10000) {
        bytes[0] = (char)(0xe0 | (code >> 12));
        bytes[1] = (char)(0x80 | ((code >> 6) & 0x3f));
        bytes[2] = (char)(0x80 | (code & 0x3f));
        size = 3;
    } else {
        bytes[0] = (char)(0xf0 | (code >> 18));
        bytes[1] = (char)(0x80 | ((code >> 12) & 0x3f));
        bytes[2] = (char)(0x80 | ((code >> 6) & 0x3f));
        bytes[3] = (char)(0x80 | (code & 0x3f));
        size = 4;
    }
    buf_put(buf, bytes, size);
}

static Error *buf_finish(Buf *buf, Token *token)
{
    if (buf->failed) return oom();
    if (buf->data == NULL) {
        token->text = "";
        token->text_size = 0;
        return NULL;
    }
    token->text = buf->data;
    token->text_size = buf->size;
    return NULL;
}

/* skip_space: white space, -- comments and nested block comments. */
static Error *skip_space(Tokenizer *tok)
{
    const char *sql = tok->sql;
    for (;;) {
        char ch = sql[tok->offset];
        if (is_space(ch)) {
            tok->offset++;
        } else if (ch == '-' && sql[tok->offset + 1] == '-') {
            while (sql[tok->offset] != '\0' && sql[tok->offset] != '\n') tok->offset++;
        } else if (ch == '/' && sql[tok->offset + 1] == '*') {
            size_t start = tok->offset;
            size_t depth = 0;
            do {
                if (sql[tok->offset] == '\0') {
                    return error_near(tok, start, "unterminated /* comment");
                }
                if (sql[tok->offset] == '/' && sql[tok->offset + 1] == '*') {
                    depth++;
                    tok->offset += 2;
                } else if (sql[tok->offset] == '*' && sql[tok->offset + 1] == '/') {
                    depth--;
                    tok->offset += 2;
                } else {
                    tok->offset++;
                }
            } while (depth > 0);
        } else {
            return NULL;
        }
    }
}

/* continues_literal: after a closing quote at offset, is there white space with a newline
 * (and possibly -- comments) and then another quote? Returns the offset of that quote or 0. */
static size_t continues_literal(const Tokenizer *tok, size_t offset)
{
    const char *sql = tok->sql;
    bool newline = false;
    for (;;) {
        char ch = sql[offset];
        if (ch == '\n' || ch == '\r') {
            newline = true;
            offset++;
        } else if (is_space(ch)) {
            offset++;
        } else if (ch == '-' && sql[offset + 1] == '-') {
            while (sql[offset] != '\0' && sql[offset] != '\n') offset++;
        } else {
            break;
        }
    }
    return newline && sql[offset] == '\'' ? offset : 0;
}

static int hex_value(char ch)
{
    if (is_digit(ch)) return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return ch - 'A' + 10;
}

/* read_escape: one backslash escape of an E'' string at sql[*offset] (just past the '\'). */
static Error *read_escape(Tokenizer *tok, size_t *offset, Buf *buf)
{
    const char *sql = tok->sql;
    size_t at = *offset;
    char ch = sql[at];
    char simple = 0;
    switch (ch) {
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    default: break;
    }
    if (simple != 0) {
        buf_put(buf, &simple, 1);
        *offset = at + 1;
        return NULL;
    }
    uint32_t code = 0;
    if (ch >= '0' && ch <= '7') {
        int digit_count = 0;
        while (digit_count < 3 && sql[at] >= '0' && sql[at] <= '7') {
            code = code * 8 + (uint32_t)(sql[at] - '0');
            at++;
            digit_count++;
        }
        code &= 0xff;
    } else if (ch == 'x' && is_hex(sql[at + 1])) {
        at++;
        for (int digit_count = 0; digit_count < 2 && is_hex(sql[at]); digit_count++, at++) {
            code = code * 16 + (uint32_t)hex_value(sql[at]);
        }
    } else if (ch == 'u' || ch == 'U') {
        int digit_count_needed = ch == 'u' ? 4 : 8;
        at++;
        for (int digit_count = 0; digit_count < digit_count_needed; digit_count++, at++) {
            if (!is_hex(sql[at])) {
                return err_at(SQLSTATE_SYNTAX_ERROR, (int)*offset, "invalid Unicode escape");
            }
            code = code * 16 + (uint32_t)hex_value(sql[at]);
        }
        if (code == 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
            return err_at(SQLSTATE_SYNTAX_ERROR, (int)*offset, "invalid Unicode escape value");
        }
        buf_put_utf8(buf, code);
        *offset = at;
        return NULL;
    } else if (ch == '\0') {
        return NULL;   /* the caller reports the unterminated string */
    } else {
        buf_put(buf, &ch, 1);   /* \\ \' and any other character stand for themselves */
        *offset = at + 1;
        return NULL;
    }
    if (code == 0) {
        return err_at(SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE, (int)*offset,
                      "invalid byte sequence for encoding \"UTF8\": 0x00");
    }
    char byte = (char)code;
    buf_put(buf, &byte, 1);
    *offset = at;
    return NULL;
}

/* utf8_invalid_at: the index of the first byte of text that does not start a valid UTF-8
 * sequence, or size if all of text is valid. */
static size_t utf8_invalid_at(const char *text, size_t size)
{
    size_t idx = 0;
    while (idx < size) {
        unsigned char byte = (unsigned char)text[idx];
        size_t length = byte < 0x80 ? 1 : (byte & 0xe0) == 0xc0 ? 2 : (byte & 0xf0) == 0xe0 ? 3
                        : (byte & 0xf8) == 0xf0                 ? 4
                                                                : 0;
        if (length == 0 || (length == 2 && byte < 0xc2) || idx + length > size) return idx;
        for (size_t cont_idx = 1; cont_idx < length; cont_idx++) {
            if (((unsigned char)text[idx + cont_idx] & 0xc0) != 0x80) return idx;
        }
        idx += length;
    }
    return size;
}

/* read_quoted: a '...' literal starting at tok->offset (the quote), with its continuations. */
static Error *read_quoted(Tokenizer *tok, size_t start, bool escapes, Token *token)
{
    const char *sql = tok->sql;
    Buf buf = {.arena = tok->arena};
    size_t offset = tok->offset + 1;
    for (;;) {
        char ch = sql[offset];
        if (ch == '\0') return error_near(tok, start, "unterminated quoted string");
        if (ch == '\'') {
            if (sql[offset + 1] == '\'') {
                buf_put(&buf, "'", 1);
                offset += 2;
                continue;
            }
            size_t next = continues_literal(tok, offset + 1);
            if (next == 0) {
                offset++;
                break;
            }
            offset = next + 1;
            continue;
        }
        if (ch == '\\' && escapes) {
            offset++;
            TRY(read_escape(tok, &offset, &buf));
            continue;
        }
        buf_put(&buf, &ch, 1);
        offset++;
    }
    tok->offset = offset;
    TRY(buf_finish(&buf, token));
    if (escapes) {
        /* \x and octal escapes can make bytes that are not UTF-8 */
        size_t bad_idx = utf8_invalid_at(token->text, token->text_size);
        if (bad_idx < token->text_size) {
            return err_at(SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE, (int)start + 1,
                          "invalid byte sequence for encoding \"UTF8\": 0x%02x",
                          (unsigned char)token->text[bad_idx]);
        }
    }
    return NULL;
}

/* dollar_tag_size: the size of "$tag$" at offset, or 0 if it is not a dollar-quote opener. */
static size_t dollar_tag_size(const char *sql, size_t offset)
{
    ASSERT(sql[offset] == '$');
    size_t at = offset + 1;
    if (sql[at] == '$') return 2;
    if (!is_ident_start(sql[at])) return 0;
    while (is_ident_start(sql[at]) || is_digit(sql[at])) {
        if (at - offset > TOK_DOLLAR_TAG_SIZE_MAX) return 0;
        at++;
    }
    return sql[at] == '$' ? at + 1 - offset : 0;
}

static Error *read_dollar_quoted(Tokenizer *tok, size_t tag_size, Token *token)
{
    const char *sql = tok->sql;
    size_t start = tok->offset;
    const char *tag = sql + start;
    size_t body = start + tag_size;
    for (size_t at = body; sql[at] != '\0'; at++) {
        if (sql[at] == '$' && strncmp(sql + at, tag, tag_size) == 0) {
            char *text = arena_strndup(tok->arena, sql + body, at - body);
            if (text == NULL) return oom();
            token->text = text;
            token->text_size = at - body;
            tok->offset = at + tag_size;
            return NULL;
        }
    }
    return error_near(tok, start, "unterminated dollar-quoted string");
}

static Error *read_quoted_ident(Tokenizer *tok, Token *token)
{
    const char *sql = tok->sql;
    size_t start = tok->offset;
    Buf buf = {.arena = tok->arena};
    size_t offset = start + 1;
    for (;;) {
        char ch = sql[offset];
        if (ch == '\0') return error_near(tok, start, "unterminated quoted identifier");
        if (ch == '"') {
            if (sql[offset + 1] != '"') break;
            offset++;
        }
        buf_put(&buf, &ch, 1);
        offset++;
    }
    tok->offset = offset + 1;
    if (buf.size == 0 && !buf.failed) {
        return err_at(SQLSTATE_SYNTAX_ERROR, (int)start + 1,
                      "zero-length delimited identifier at or near \"\"\"\"");
    }
    TRY(buf_finish(&buf, token));
    if (token->text_size > TOK_IDENT_SIZE_MAX) {
        size_t size = TOK_IDENT_SIZE_MAX;
        /* never cut a UTF-8 sequence in two */
        while (size > 0 && ((unsigned char)token->text[size] & 0xc0) == 0x80) size--;
        ((char *)token->text)[size] = '\0';
        token->text_size = size;
    }
    return NULL;
}

static Error *read_word(Tokenizer *tok, Token *token)
{
    const char *sql = tok->sql;
    size_t start = tok->offset;
    size_t end = start;
    while (is_ident_cont(sql[end])) end++;
    size_t size = end - start;
    if (size > TOK_IDENT_SIZE_MAX) {
        size = TOK_IDENT_SIZE_MAX;
        while (size > 0 && ((unsigned char)sql[start + size] & 0xc0) == 0x80) size--;
    }
    char *text = arena_strndup(tok->arena, sql + start, size);
    if (text == NULL) return oom();
    for (size_t idx = 0; idx < size; idx++) {
        if (text[idx] >= 'A' && text[idx] <= 'Z') text[idx] = (char)(text[idx] - 'A' + 'a');
    }
    token->kind = TOK_IDENT;
    token->text = text;
    token->text_size = size;
    tok->offset = end;
    return NULL;
}

static Error *read_number(Tokenizer *tok, Token *token)
{
    const char *sql = tok->sql;
    size_t start = tok->offset;
    size_t at = start;
    bool is_integer = true;
    while (is_digit(sql[at])) at++;
    if (sql[at] == '.' && sql[at + 1] != '.') {
        is_integer = false;
        at++;
        while (is_digit(sql[at])) at++;
    }
    if (sql[at] == 'e' || sql[at] == 'E') {
        size_t exponent = at + 1;
        if (sql[exponent] == '+' || sql[exponent] == '-') exponent++;
        if (is_digit(sql[exponent])) {
            is_integer = false;
            at = exponent;
            while (is_digit(sql[at])) at++;
        }
    }
    char *text = arena_strndup(tok->arena, sql + start, at - start);
    if (text == NULL) return oom();
    token->kind = is_integer ? TOK_INTEGER : TOK_NUMERIC;
    token->text = text;
    token->text_size = at - start;
    tok->offset = at;
    return NULL;
}

static Error *read_operator(Tokenizer *tok, Token *token)
{
    const char *sql = tok->sql;
    size_t start = tok->offset;
    size_t end = start;
    while (is_op_char(sql[end])) {
        /* a comment start inside the run ends the operator before it */
        if ((sql[end] == '-' && sql[end + 1] == '-') || (sql[end] == '/' && sql[end + 1] == '*')) {
            break;
        }
        end++;
    }
    size_t size = end - start;
    ASSERT(size > 0);
    if (size > 1) {
        bool has_special = false;
        for (size_t idx = start; idx < end; idx++) {
            if (strchr("~!@#^&|`?%", sql[idx]) != NULL) has_special = true;
        }
        if (!has_special) {
            while (size > 1 && (sql[start + size - 1] == '+' || sql[start + size - 1] == '-')) {
                size--;
            }
        }
    }
    token->kind = TOK_OP;
    if (size == 2 && sql[start] == '!' && sql[start + 1] == '=') {
        token->text = "<>";
        token->text_size = 2;
    } else {
        char *text = arena_strndup(tok->arena, sql + start, size);
        if (text == NULL) return oom();
        token->text = text;
        token->text_size = size;
    }
    tok->offset = start + size;
    return NULL;
}

static Error *read_prefixed_string(Tokenizer *tok, TokKind kind, Token *token)
{
    size_t start = tok->offset;
    tok->offset++;   /* the prefix letter */
    token->kind = kind;
    TRY(read_quoted(tok, start, kind == TOK_STRING, token));
    if (kind == TOK_STRING) return NULL;
    for (size_t idx = 0; idx < token->text_size; idx++) {
        char ch = token->text[idx];
        bool valid = kind == TOK_BIT_STRING ? (ch == '0' || ch == '1') : is_hex(ch);
        if (!valid) {
            return err_at(SQLSTATE_SYNTAX_ERROR, (int)start + 1,
                          kind == TOK_BIT_STRING ? "\"%c\" is not a valid binary digit"
                                                 : "\"%c\" is not a valid hexadecimal digit",
                          ch);
        }
    }
    return NULL;
}

static Error *read_token(Tokenizer *tok, Token *token)
{
    const char *sql = tok->sql;
    size_t start = tok->offset;
    char ch = sql[start];
    char next = sql[start + 1];
    if ((ch == 'e' || ch == 'E') && next == '\'') {
        return read_prefixed_string(tok, TOK_STRING, token);
    }
    if ((ch == 'n' || ch == 'N') && next == '\'') {
        tok->offset++;
        token->kind = TOK_STRING;
        return read_quoted(tok, start, false, token);
    }
    if ((ch == 'b' || ch == 'B') && next == '\'') {
        return read_prefixed_string(tok, TOK_BIT_STRING, token);
    }
    if ((ch == 'x' || ch == 'X') && next == '\'') {
        return read_prefixed_string(tok, TOK_HEX_STRING, token);
    }
    if (is_ident_start(ch)) return read_word(tok, token);
    if (is_digit(ch) || (ch == '.' && is_digit(next))) return read_number(tok, token);
    if (ch == '\'') {
        token->kind = TOK_STRING;
        return read_quoted(tok, start, false, token);
    }
    if (ch == '"') {
        token->kind = TOK_IDENT;
        token->quoted = true;
        return read_quoted_ident(tok, token);
    }
    if (ch == '$') {
        if (is_digit(next)) {
            size_t end = start + 1;
            while (is_digit(sql[end])) end++;
            char *text = arena_strndup(tok->arena, sql + start + 1, end - start - 1);
            if (text == NULL) return oom();
            token->kind = TOK_PARAM;
            token->text = text;
            token->text_size = end - start - 1;
            tok->offset = end;
            return NULL;
        }
        size_t tag_size = dollar_tag_size(sql, start);
        if (tag_size > 0) {
            token->kind = TOK_STRING;
            return read_dollar_quoted(tok, tag_size, token);
        }
    }
    if (ch == ':' && next == ':') {
        token->kind = TOK_TYPECAST;
        token->text = "::";
        token->text_size = 2;
        tok->offset += 2;
        return NULL;
    }
    if (is_op_char(ch)) return read_operator(tok, token);
    /* punctuation, and any other single byte (the grammar rejects what it does not know) */
    char *text = arena_strndup(tok->arena, sql + start, 1);
    if (text == NULL) return oom();
    token->kind = TOK_PUNCT;
    token->text = text;
    token->text_size = 1;
    tok->offset++;
    return NULL;
}

Error *tok_next(Tokenizer *tok, Token *token_out)
{
    *token_out = (Token){.kind = TOK_EOF, .text = "", .text_size = 0};
    TRY(skip_space(tok));
    size_t start = tok->offset;
    token_out->position = (int)start + 1;
    if (tok->sql[start] == '\0') {
        tok->offset = start;
        return NULL;
    }
    TRY(read_token(tok, token_out));
    ASSERT(tok->offset > start);
    token_out->raw_size = (int)(tok->offset - start);
    return NULL;
}
