/* common/json.h: PostgreSQL's json and jsonb values: parsing, validation, jsonb's normal form.
 *
 * json is text that was checked to be one JSON value and is kept as written; jsonb is stored
 * here in the text form PostgreSQL's jsonb_out prints: object keys sorted by length, then bytes,
 * a duplicate key keeps its last value, ", " and ": " separators, numbers in numeric_out's form,
 * strings re-escaped as escape_json does. So jsonb equality is byte equality of that form (but
 * for numbers that differ only in trailing zeros, which PostgreSQL calls equal).
 *
 * json_parse builds a tree in an arena; kernels walk it for the operators (->, ->>, #>, ...).
 * Errors are PostgreSQL 15's: INVALID_TEXT_REPRESENTATION (22P02) `invalid input syntax for
 * type json` with the detail PostgreSQL gives (`Token "01" is invalid.`, `Expected ":", but
 * found "1".`, `The input string ended unexpectedly.` ...), UNTRANSLATABLE_CHARACTER (22P05)
 * `unsupported Unicode escape sequence` for \u0000 in jsonb, STATEMENT_TOO_COMPLEX (54001) past
 * JSON_DEPTH_MAX nesting levels, NUMERIC_VALUE_OUT_OF_RANGE from numbers jsonb cannot hold. */
#ifndef BIRCH_COMMON_JSON_H
#define BIRCH_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

enum {
    JSON_DEPTH_MAX = 1000,   /* nesting levels of arrays and objects */
};

typedef enum JsonKind {
    JSON_KIND_NULL = 0,
    JSON_KIND_STRING,
    JSON_KIND_NUMBER,
    JSON_KIND_BOOL,
    JSON_KIND_ARRAY,
    JSON_KIND_OBJECT,
} JsonKind;

typedef struct JsonValue JsonValue;

typedef struct JsonPair {
    const char *key;        /* decoded UTF-8 */
    uint32_t    key_size;
    JsonValue  *value;
} JsonPair;

struct JsonValue {
    JsonKind    kind;
    bool        boolean;    /* BOOL */
    const char *str;        /* STRING: decoded UTF-8; NUMBER: the literal (jsonb: numeric_out) */
    uint32_t    str_size;
    uint32_t    count;      /* ARRAY: elements; OBJECT: pairs */
    JsonValue **elems;      /* ARRAY */
    JsonPair   *pairs;      /* OBJECT: in input order (json), sorted and unique (jsonb) */
    const char *raw;        /* the value's text in the input (no surrounding space) */
    uint32_t    raw_size;
};

/* JsonBuf: a growing output buffer in an arena. */
typedef struct JsonBuf {
    Arena  *arena;
    char   *data;
    size_t  size;
    size_t  capacity;
    bool    failed;         /* an allocation failed: data is incomplete */
} JsonBuf;

/* json_parse: parse text (size bytes, UTF-8) as one JSON value surrounded by optional white
 * space. jsonb: decode strings strictly (surrogate pairs, no \u0000), normalize numbers, sort
 * and de-duplicate object keys; otherwise strings are decoded leniently (escapes PostgreSQL's
 * json type accepts but cannot de-escape stay as written) and objects keep their order.
 * Post: *out and everything it points to live in arena. Errors: see the file comment;
 * OUT_OF_MEMORY. */
Error *json_parse(const char *text, size_t size, bool jsonb, Arena *arena, JsonValue **out);
/* json_validate: json_parse for json's input function (text kept verbatim by the caller);
 * scratch memory from arena. */
Error *json_validate(const char *text, size_t size, Arena *arena);
/* json_to_jsonb_text: parse text and write jsonb's normal form into arena. */
Error *json_to_jsonb_text(const char *text, size_t size, Arena *arena, const char **out,
                          size_t *size_out);

void   json_buf_init(JsonBuf *buf, Arena *arena);
void   json_buf_append(JsonBuf *buf, const char *data, size_t size);
void   json_buf_append_str(JsonBuf *buf, const char *text);
/* json_buf_finish: OUT_OF_MEMORY if any append failed; else NULL. */
Error *json_buf_finish(JsonBuf *buf);
/* json_escape: append data as a JSON string literal (PostgreSQL's escape_json: quotes,
 * backslash, \b \f \n \r \t, other control characters as \u00xx). */
void   json_escape(JsonBuf *buf, const char *data, size_t size);
/* json_write_jsonb: append value in jsonb_out's form (value from json_parse(jsonb = true), or a
 * json tree: its objects are then written in input order). */
void   json_write_jsonb(JsonBuf *buf, const JsonValue *value);
/* json_kind_name: "object", "array", "string", "number", "boolean", "null" (json_typeof). */
const char *json_kind_name(JsonKind kind);
/* json_object_get: the value of key in an object (the last one of duplicates); NULL if value
 * is not an object or has no such key. */
const JsonValue *json_object_get(const JsonValue *value, const char *key, size_t key_size);
/* json_array_get: element idx of an array (negative: from the end, -1 the last); NULL if value
 * is not an array or idx is out of range. */
const JsonValue *json_array_get(const JsonValue *value, int64_t idx);
/* json_contains: jsonb's @>: every part of b is in a (PostgreSQL's JsonbDeepContains: objects
 * by key, arrays as sets of elements, a scalar top-level b also matches inside an array a). */
bool   json_contains(const JsonValue *a, const JsonValue *b);
/* json_cmp: PostgreSQL's jsonb order: null < string < number < boolean < array < object
 * between kinds (a top-level empty array sorts first); objects by pair count, then pair by pair;
 * arrays by element count, then element by element; numbers numerically; strings by bytes. */
int    json_cmp(const JsonValue *a, const JsonValue *b);

#endif
