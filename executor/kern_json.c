/* executor/kern_json.c: json and jsonb kernels: input and output casts, the operators
 * (-> ->> #> #>> @> <@ ? ?| ?& || - and jsonb's comparisons), the binary forms, and the registry
 * hooks kern_json_lookup / kern_json_cast_lookup (executor/kern_json.h).
 *
 * Every kernel parses the rows it reads with json_parse into ctx->arena (reset by the caller
 * between batches): jsonb rows are already in normal form, so parsing them again is only a
 * walk; nothing is cached across rows. Functions building json (to_json, json_build_*) are in
 * kern_json_fn.c. */
#include "executor/kern_json.h"

#include <stdlib.h>

#include "common/json.h"
#include "common/numeric.h"
#include "common/uuid.h"
#include "executor/kern_array.h"
#include "executor/kern_int.h"

/* kern_json_fn.c */
KERN_DECLARE(kern_to_json);
KERN_DECLARE(kern_to_jsonb);
KERN_DECLARE(kern_json_build_pair);
KERN_DECLARE(kern_json_build_elem);
KERN_DECLARE(kern_json_typeof);
KERN_DECLARE(kern_jsonb_typeof);
KERN_DECLARE(kern_json_array_length);
KERN_DECLARE(kern_jsonb_array_length);

bool kern_json_is_type(uint32_t id) { return id == TYPE_UUID || id == TYPE_JSON || id == TYPE_JSONB; }

static bool is_text_like(uint32_t id) { return type_is_string(id); }

/* parse_row: the json/jsonb value of row r of vec (valid) in ctx->arena. */
static Error *parse_row(KernCtx *ctx, const Vector *vec, uint32_t r, JsonValue **value_out)
{
    const StrView *view = str_at(vec, r);
    return json_parse(str_view_data(view), view->size, vec->type.id == TYPE_JSONB, ctx->arena,
                      value_out);
}

/* set_json_value: store value in out row r as out's type: json keeps the input's text, jsonb
 * (or a jsonb source) writes the normal form. */
static Error *set_json_value(KernCtx *ctx, const JsonValue *value, bool source_jsonb, Vector *out,
                             uint32_t r)
{
    if (!source_jsonb && out->type.id == TYPE_JSON) {
        return vec_str_set(out, r, value->raw, value->raw_size);
    }
    JsonBuf buf;
    json_buf_init(&buf, ctx->arena);
    json_write_jsonb(&buf, value);
    TRY(json_buf_finish(&buf));
    return vec_str_set(out, r, buf.data, (uint32_t)buf.size);
}

/* set_text_value: ->> of value: a string's contents, NULL for null, else the json text. */
static Error *set_text_value(KernCtx *ctx, const JsonValue *value, bool source_jsonb, Vector *out,
                             uint32_t r)
{
    if (value == NULL || value->kind == JSON_KIND_NULL) {
        vec_set_null(out, r);
        return NULL;
    }
    if (value->kind == JSON_KIND_STRING) return vec_str_set(out, r, value->str, value->str_size);
    if (!source_jsonb) return vec_str_set(out, r, value->raw, value->raw_size);
    return set_json_value(ctx, value, true, out, r);
}

static Error *set_result(KernCtx *ctx, const JsonValue *value, bool source_jsonb, bool as_text,
                         Vector *out, uint32_t r)
{
    if (as_text) return set_text_value(ctx, value, source_jsonb, out, r);
    if (value == NULL) {
        vec_set_null(out, r);
        return NULL;
    }
    return set_json_value(ctx, value, source_jsonb, out, r);
}

/* ---------------------------------------------------------------- casts ---- */

static Error *copy_strings(const Vector *const *args, const uint16_t *sel, uint32_t count,
                           Vector *out)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        TRY(vec_str_set(out, r, str_view_data(view), view->size));
    });
    return NULL;
}

/* kern_json_copy: json/jsonb -> text, jsonb -> json: the bytes as they are. */
static KERN_DECLARE(kern_json_copy)
{
    (void)ctx;
    return copy_strings(args, sel, count, out);
}

static KERN_DECLARE(kern_cast_text_json)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        TRY(json_validate(str_view_data(view), view->size, ctx->arena));
        TRY(vec_str_set(out, r, str_view_data(view), view->size));
    });
    return NULL;
}

static KERN_DECLARE(kern_cast_text_jsonb)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        const char *text = NULL;
        size_t size = 0;
        TRY(json_to_jsonb_text(str_view_data(view), view->size, ctx->arena, &text, &size));
        TRY(vec_str_set(out, r, text, (uint32_t)size));
    });
    return NULL;
}

/* jsonb_scalar_error: PostgreSQL's cannotCastJsonbValue. */
static Error *jsonb_scalar_error(const JsonValue *value, uint32_t to)
{
    const char *kind = value->kind == JSON_KIND_OBJECT ? "object" : value->kind == JSON_KIND_ARRAY
                       ? "array" : value->kind == JSON_KIND_STRING ? "string"
                       : value->kind == JSON_KIND_NUMBER ? "numeric"
                       : value->kind == JSON_KIND_BOOL ? "boolean" : "null";
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "cannot cast jsonb %s to type %s", kind,
                   type_name(to));
}

static KERN_DECLARE(kern_cast_jsonb_bool)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        if (value->kind != JSON_KIND_BOOL) return jsonb_scalar_error(value, TYPE_BOOL);
        vec_bool(out)[r] = value->boolean;
    });
    return NULL;
}

/* kern_cast_jsonb_number: jsonb number -> numeric, then numeric's cast to out's type. */
static KERN_DECLARE(kern_cast_jsonb_number)
{
    Vector text;
    vec_init(&text, type_plain(TYPE_TEXT), ctx->arena);
    TRY(kern_out_begin(&text, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(&text, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        if (value->kind != JSON_KIND_NUMBER) return jsonb_scalar_error(value, out->type.id);
        TRY(vec_str_set(&text, r, value->str, value->str_size));
    });
    const Vector *text_args[1] = { &text };
    if (out->type.id == TYPE_NUMERIC) return kern_cast_text_num(ctx, text_args, sel, count, out);
    Vector num;
    vec_init(&num, type_plain(TYPE_NUMERIC), ctx->arena);
    TRY(kern_cast_text_num(ctx, text_args, sel, count, &num));
    KernFn fn = NULL;
    TRY(kern_cast_lookup(type_plain(TYPE_NUMERIC), out->type, &fn));
    if (fn == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "no cast from numeric to %s",
                                   type_name(out->type.id));
    const Vector *num_args[1] = { &num };
    return fn(ctx, num_args, sel, count, out);
}

Error *kern_json_cast_lookup(Type from, Type to, KernFn *fn_out, bool *handled_out)
{
    *handled_out = kern_json_is_type(from.id) || kern_json_is_type(to.id);
    *fn_out = NULL;
    if (!*handled_out) return NULL;
    bool from_text = is_text_like(from.id);
    if (to.id == TYPE_UUID && from.id == TYPE_UUID) return NULL;
    if (to.id == TYPE_UUID && from_text) { *fn_out = kern_cast_text_uuid; return NULL; }
    if (from.id == TYPE_UUID && is_text_like(to.id)) { *fn_out = kern_cast_uuid_text; return NULL; }
    if (to.id == TYPE_JSON && from_text) { *fn_out = kern_cast_text_json; return NULL; }
    if (to.id == TYPE_JSONB && (from_text || from.id == TYPE_JSON)) {
        *fn_out = kern_cast_text_jsonb;
        return NULL;
    }
    if (from.id == to.id) { *fn_out = kern_json_copy; return NULL; }
    if ((from.id == TYPE_JSON || from.id == TYPE_JSONB) && (is_text_like(to.id) || to.id == TYPE_JSON)) {
        *fn_out = kern_json_copy;
        return NULL;
    }
    if (from.id == TYPE_JSONB && to.id == TYPE_BOOL) { *fn_out = kern_cast_jsonb_bool; return NULL; }
    if (from.id == TYPE_JSONB && type_is_numeric_family(to.id)) {
        *fn_out = kern_cast_jsonb_number;
        return NULL;
    }
    return err_new(SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s", type_name(from.id),
                   type_name(to.id));
}

/* ---------------------------------------------------------------- binary ---- */

Error *kern_json_binary_in(Vector *vec, uint32_t row_idx, const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX) return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "value too large");
    if (vec->type.id == TYPE_UUID) {
        if (size != UUID_SIZE) {
            return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
        }
        return vec_str_set(vec, row_idx, (const char *)data, UUID_SIZE);
    }
    Arena *scratch = arena_create(4096);
    if (scratch == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    Error *err = NULL;
    if (vec->type.id == TYPE_JSON) {
        err = json_validate((const char *)data, size, scratch);
        if (err == NULL) err = vec_str_set(vec, row_idx, (const char *)data, (uint32_t)size);
    } else if (size < 1 || data[0] != 1) {
        err = err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "unsupported jsonb version number %d",
                      size < 1 ? 0 : data[0]);
    } else {
        const char *text = NULL;
        size_t text_size = 0;
        err = json_to_jsonb_text((const char *)data + 1, size - 1, scratch, &text, &text_size);
        if (err == NULL) err = vec_str_set(vec, row_idx, text, (uint32_t)text_size);
    }
    arena_destroy(scratch);
    return err;
}

/* ---------------------------------------------------------------- operators ---- */

/* kern_json_field: json/jsonb -> text key (args[1] text) or -> int index (args[1] int4);
 * ctx->state is unused; the variant is chosen by the wrapper. */
static Error *field_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                           uint32_t count, Vector *out, bool by_index, bool as_text)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    bool jsonb = args[0]->type.id == TYPE_JSONB;
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        const JsonValue *found = NULL;
        if (by_index) {
            found = json_array_get(value, vec_i32(args[1])[args[1]->is_constant ? 0 : r]);
        } else {
            const StrView *key = str_at(args[1], r);
            found = json_object_get(value, str_view_data(key), key->size);
        }
        TRY(set_result(ctx, found, jsonb, as_text, out, r));
    });
    return NULL;
}

static KERN_DECLARE(kern_json_get_key) { return field_kernel(ctx, args, sel, count, out, false, false); }
static KERN_DECLARE(kern_json_get_key_text) { return field_kernel(ctx, args, sel, count, out, false, true); }
static KERN_DECLARE(kern_json_get_idx) { return field_kernel(ctx, args, sel, count, out, true, false); }
static KERN_DECLARE(kern_json_get_idx_text) { return field_kernel(ctx, args, sel, count, out, true, true); }

/* parse_index: a path element as PostgreSQL reads an array subscript (an optionally signed
 * integer, nothing else); false if it is not one. */
static bool parse_index(const uint8_t *data, int32_t size, int64_t *idx_out)
{
    char text[24];
    if (size <= 0 || size >= (int32_t)sizeof text) return false;
    memcpy(text, data, (size_t)size);
    text[size] = '\0';
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || text[0] == ' ') return false;
    *idx_out = value;
    return true;
}

/* walk_path: the value at the text[] path (NULL if a step fails or a path element is NULL). */
static Error *walk_path(const JsonValue *value, const Vector *path, uint32_t r,
                        const JsonValue **found_out)
{
    ArrayView view;
    TRY(kern_array_view(path, path->is_constant ? 0 : r, &view));
    ArrayIter iter = array_iter(&view);
    const uint8_t *data = NULL;
    int32_t size = 0;
    const JsonValue *at = value;
    while (at != NULL && array_next(&iter, &data, &size)) {
        if (data == NULL) {
            at = NULL;
            break;
        }
        if (at->kind == JSON_KIND_OBJECT) {
            at = json_object_get(at, (const char *)data, (size_t)size);
        } else if (at->kind == JSON_KIND_ARRAY) {
            int64_t idx = 0;
            at = parse_index(data, size, &idx) ? json_array_get(at, idx) : NULL;
        } else {
            at = NULL;
        }
    }
    *found_out = at;
    return NULL;
}

static Error *path_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                          uint32_t count, Vector *out, bool as_text)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    bool jsonb = args[0]->type.id == TYPE_JSONB;
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        const JsonValue *found = NULL;
        TRY(walk_path(value, args[1], r, &found));
        TRY(set_result(ctx, found, jsonb, as_text, out, r));
    });
    return NULL;
}

static KERN_DECLARE(kern_json_path) { return path_kernel(ctx, args, sel, count, out, false); }
static KERN_DECLARE(kern_json_path_text) { return path_kernel(ctx, args, sel, count, out, true); }

typedef enum JsonbTest { TEST_CONTAINS, TEST_CONTAINED, TEST_EQ, TEST_NE, TEST_LT, TEST_LE, TEST_GT,
                         TEST_GE } JsonbTest;

static bool test_values(const JsonValue *a, const JsonValue *b, JsonbTest test)
{
    switch (test) {
    case TEST_CONTAINS: return json_contains(a, b);
    case TEST_CONTAINED: return json_contains(b, a);
    case TEST_EQ: return json_cmp(a, b) == 0;
    case TEST_NE: return json_cmp(a, b) != 0;
    case TEST_LT: return json_cmp(a, b) < 0;
    case TEST_LE: return json_cmp(a, b) <= 0;
    case TEST_GT: return json_cmp(a, b) > 0;
    case TEST_GE: return json_cmp(a, b) >= 0;
    }
    return false;
}

static Error *jsonb_test_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                                uint32_t count, Vector *out, JsonbTest test)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *a = NULL, *b = NULL;
        TRY(parse_row(ctx, args[0], r, &a));
        TRY(parse_row(ctx, args[1], r, &b));
        vec_bool(out)[r] = test_values(a, b, test);
    });
    return NULL;
}

#define JSONB_TEST(NAME, TEST) \
    static KERN_DECLARE(NAME) { return jsonb_test_kernel(ctx, args, sel, count, out, TEST); }
JSONB_TEST(kern_jsonb_contains, TEST_CONTAINS)
JSONB_TEST(kern_jsonb_contained, TEST_CONTAINED)
JSONB_TEST(kern_jsonb_eq, TEST_EQ)
JSONB_TEST(kern_jsonb_ne, TEST_NE)
JSONB_TEST(kern_jsonb_lt, TEST_LT)
JSONB_TEST(kern_jsonb_le, TEST_LE)
JSONB_TEST(kern_jsonb_gt, TEST_GT)
JSONB_TEST(kern_jsonb_ge, TEST_GE)

/* is [not] distinct from: never NULL */
static Error *jsonb_distinct_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                                    uint32_t count, Vector *out, bool distinct)
{
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        bool a_null = !row_valid(args[0], args[0]->is_constant ? 0 : r);
        bool b_null = !row_valid(args[1], args[1]->is_constant ? 0 : r);
        bool same = a_null && b_null;
        if (!a_null && !b_null) {
            JsonValue *a = NULL, *b = NULL;
            TRY(parse_row(ctx, args[0], r, &a));
            TRY(parse_row(ctx, args[1], r, &b));
            same = json_cmp(a, b) == 0;
        }
        vec_bool(out)[r] = distinct ? !same : same;
    });
    return NULL;
}

static KERN_DECLARE(kern_jsonb_distinct) { return jsonb_distinct_kernel(ctx, args, sel, count, out, true); }
static KERN_DECLARE(kern_jsonb_not_distinct) { return jsonb_distinct_kernel(ctx, args, sel, count, out, false); }

/* has_key: jsonb ? text: a top-level key, or a string element of a top-level array (or the
 * scalar string itself). */
static bool has_key(const JsonValue *value, const char *key, size_t key_size)
{
    if (value->kind == JSON_KIND_OBJECT) return json_object_get(value, key, key_size) != NULL;
    if (value->kind == JSON_KIND_ARRAY) {
        for (uint32_t elem_idx = 0; elem_idx < value->count; elem_idx++) {
            const JsonValue *elem = value->elems[elem_idx];
            if (elem->kind == JSON_KIND_STRING && elem->str_size == key_size &&
                memcmp(elem->str, key, key_size) == 0) {
                return true;
            }
        }
        return false;
    }
    return value->kind == JSON_KIND_STRING && value->str_size == key_size &&
           memcmp(value->str, key, key_size) == 0;
}

static KERN_DECLARE(kern_jsonb_exists)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        const StrView *key = str_at(args[1], r);
        vec_bool(out)[r] = has_key(value, str_view_data(key), key->size);
    });
    return NULL;
}

/* ?| (any) and ?& (all) over a text[]; NULL elements are skipped as PostgreSQL does. */
static Error *exists_many_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                                 uint32_t count, Vector *out, bool all)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        ArrayView view;
        TRY(kern_array_view(args[1], args[1]->is_constant ? 0 : r, &view));
        ArrayIter iter = array_iter(&view);
        const uint8_t *data = NULL;
        int32_t size = 0;
        bool result = all;
        while (array_next(&iter, &data, &size)) {
            if (data == NULL) continue;
            bool has = has_key(value, (const char *)data, (size_t)size);
            if (all && !has) { result = false; break; }
            if (!all && has) { result = true; break; }
        }
        vec_bool(out)[r] = result;
    });
    return NULL;
}

static KERN_DECLARE(kern_jsonb_exists_any) { return exists_many_kernel(ctx, args, sel, count, out, false); }
static KERN_DECLARE(kern_jsonb_exists_all) { return exists_many_kernel(ctx, args, sel, count, out, true); }

/* ---------------------------------------------------------------- || and - ---- */

/* append_items: the elements of value (an array) or value itself, written for a new array. */
static void append_items(JsonBuf *buf, const JsonValue *value, bool *first)
{
    if (value->kind != JSON_KIND_ARRAY) {
        if (!*first) json_buf_append(buf, ", ", 2);
        json_write_jsonb(buf, value);
        *first = false;
        return;
    }
    for (uint32_t elem_idx = 0; elem_idx < value->count; elem_idx++) {
        if (!*first) json_buf_append(buf, ", ", 2);
        json_write_jsonb(buf, value->elems[elem_idx]);
        *first = false;
    }
}

static void append_pairs(JsonBuf *buf, const JsonValue *object, bool *first)
{
    for (uint32_t pair_idx = 0; pair_idx < object->count; pair_idx++) {
        if (!*first) json_buf_append(buf, ", ", 2);
        json_escape(buf, object->pairs[pair_idx].key, object->pairs[pair_idx].key_size);
        json_buf_append(buf, ": ", 2);
        json_write_jsonb(buf, object->pairs[pair_idx].value);
        *first = false;
    }
}

/* set_normalized: buf's text brought to jsonb's normal form into out row r. */
static Error *set_normalized(KernCtx *ctx, JsonBuf *buf, Vector *out, uint32_t r)
{
    TRY(json_buf_finish(buf));
    const char *text = NULL;
    size_t size = 0;
    TRY(json_to_jsonb_text(buf->data, buf->size, ctx->arena, &text, &size));
    return vec_str_set(out, r, text, (uint32_t)size);
}

/* kern_jsonb_concat: objects merge (the right side's keys win); otherwise both sides as arrays
 * (a non-array is a one-element array) concatenated, as PostgreSQL's jsonb || jsonb. */
static KERN_DECLARE(kern_jsonb_concat)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *a = NULL, *b = NULL;
        TRY(parse_row(ctx, args[0], r, &a));
        TRY(parse_row(ctx, args[1], r, &b));
        JsonBuf buf;
        json_buf_init(&buf, ctx->arena);
        bool first = true;
        bool objects = a->kind == JSON_KIND_OBJECT && b->kind == JSON_KIND_OBJECT;
        json_buf_append(&buf, objects ? "{" : "[", 1);
        if (objects) {
            append_pairs(&buf, a, &first);
            append_pairs(&buf, b, &first);   /* later duplicates win when normalized */
        } else {
            append_items(&buf, a, &first);
            append_items(&buf, b, &first);
        }
        json_buf_append(&buf, objects ? "}" : "]", 1);
        TRY(set_normalized(ctx, &buf, out, r));
    });
    return NULL;
}

static Error *delete_scalar_error(void)
{
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "cannot delete from scalar");
}

/* kern_jsonb_delete_key: jsonb - text: drop the key from an object, or the equal string
 * elements from an array. */
static KERN_DECLARE(kern_jsonb_delete_key)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        if (value->kind != JSON_KIND_OBJECT && value->kind != JSON_KIND_ARRAY) return delete_scalar_error();
        const StrView *key = str_at(args[1], r);
        const char *key_data = str_view_data(key);
        uint32_t kept = 0;
        for (uint32_t item_idx = 0; item_idx < value->count; item_idx++) {
            bool drop;
            if (value->kind == JSON_KIND_OBJECT) {
                const JsonPair *pair = &value->pairs[item_idx];
                drop = pair->key_size == key->size && memcmp(pair->key, key_data, key->size) == 0;
                if (!drop) value->pairs[kept++] = *pair;
            } else {
                const JsonValue *elem = value->elems[item_idx];
                drop = elem->kind == JSON_KIND_STRING && elem->str_size == key->size &&
                       memcmp(elem->str, key_data, key->size) == 0;
                if (!drop) value->elems[kept++] = value->elems[item_idx];
            }
        }
        value->count = kept;
        TRY(set_json_value(ctx, value, true, out, r));
    });
    return NULL;
}

/* kern_jsonb_delete_idx: jsonb - int: drop an array element (negative: from the end). */
static KERN_DECLARE(kern_jsonb_delete_idx)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonValue *value = NULL;
        TRY(parse_row(ctx, args[0], r, &value));
        if (value->kind == JSON_KIND_OBJECT) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "cannot delete from object using integer index");
        }
        if (value->kind != JSON_KIND_ARRAY) return delete_scalar_error();
        int64_t idx = vec_i32(args[1])[args[1]->is_constant ? 0 : r];
        if (idx < 0) idx += value->count;
        if (idx >= 0 && idx < (int64_t)value->count) {
            memmove(&value->elems[idx], &value->elems[idx + 1],
                    sizeof value->elems[0] * (value->count - (uint32_t)idx - 1));
            value->count--;
        }
        TRY(set_json_value(ctx, value, true, out, r));
    });
    return NULL;
}

/* ---------------------------------------------------------------- lookup ---- */

static bool is_json(uint32_t id) { return id == TYPE_JSON || id == TYPE_JSONB; }
static bool is_int(uint32_t id) { return id == TYPE_INT2 || id == TYPE_INT4 || id == TYPE_INT8; }

static void set_lookup(KernLookup *lookup, KernFn fn, uint32_t result, uint32_t arg_count,
                       uint32_t arg0, uint32_t arg1, uint32_t arg2)
{
    *lookup = (KernLookup){ .fn = fn, .result_type = type_plain((TypeId)result),
                            .arg_count = arg_count };
    uint32_t ids[3] = { arg0, arg1, arg2 };
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        lookup->arg_types[arg_idx] = type_plain((TypeId)ids[arg_idx]);
    }
}

static bool name_is(const char *name, const char *want) { return strcmp(name, want) == 0; }

/* lookup_operator: json/jsonb operators with a json/jsonb left operand. */
static bool lookup_operator(const char *name, const Type *arg_types, KernLookup *lookup)
{
    uint32_t left = arg_types[0].id, right = arg_types[1].id;
    bool right_text = is_text_like(right);
    bool arrow = name_is(name, "->"), arrow_text = name_is(name, "->>");
    if (arrow || arrow_text) {
        if (is_int(right)) {
            set_lookup(lookup, arrow ? kern_json_get_idx : kern_json_get_idx_text,
                       arrow ? left : TYPE_TEXT, 2, left, TYPE_INT4, 0);
            return true;
        }
        if (right_text) {
            set_lookup(lookup, arrow ? kern_json_get_key : kern_json_get_key_text,
                       arrow ? left : TYPE_TEXT, 2, left, TYPE_TEXT, 0);
            return true;
        }
        return false;
    }
    bool path = name_is(name, "#>"), path_text = name_is(name, "#>>");
    if (path || path_text) {
        if (right != TYPE_TEXT_ARRAY && right != TYPE_UNKNOWN && right != TYPE_VARCHAR_ARRAY) return false;
        set_lookup(lookup, path ? kern_json_path : kern_json_path_text, path ? left : TYPE_TEXT, 2,
                   left, TYPE_TEXT_ARRAY, 0);
        return true;
    }
    if (left != TYPE_JSONB) return false;
    if (name_is(name, "-") && (right_text || is_int(right))) {
        set_lookup(lookup, right_text ? kern_jsonb_delete_key : kern_jsonb_delete_idx, TYPE_JSONB,
                   2, TYPE_JSONB, right_text ? TYPE_TEXT : TYPE_INT4, 0);
        return true;
    }
    if (name_is(name, "?") && right_text) {
        set_lookup(lookup, kern_jsonb_exists, TYPE_BOOL, 2, TYPE_JSONB, TYPE_TEXT, 0);
        return true;
    }
    if ((name_is(name, "?|") || name_is(name, "?&")) &&
        (right == TYPE_TEXT_ARRAY || right == TYPE_UNKNOWN)) {
        set_lookup(lookup, name[1] == '|' ? kern_jsonb_exists_any : kern_jsonb_exists_all,
                   TYPE_BOOL, 2, TYPE_JSONB, TYPE_TEXT_ARRAY, 0);
        return true;
    }
    if (right != TYPE_JSONB && right != TYPE_UNKNOWN) return false;
    if (name_is(name, "||")) {
        set_lookup(lookup, kern_jsonb_concat, TYPE_JSONB, 2, TYPE_JSONB, TYPE_JSONB, 0);
        return true;
    }
    static const struct { const char *name; KernFn fn; } TESTS[] = {
        { "@>", kern_jsonb_contains }, { "<@", kern_jsonb_contained }, { "=", kern_jsonb_eq },
        { "<>", kern_jsonb_ne }, { "<", kern_jsonb_lt }, { "<=", kern_jsonb_le },
        { ">", kern_jsonb_gt }, { ">=", kern_jsonb_ge },
        { "is distinct from", kern_jsonb_distinct },
        { "is not distinct from", kern_jsonb_not_distinct },
    };
    for (size_t test_idx = 0; test_idx < sizeof TESTS / sizeof TESTS[0]; test_idx++) {
        if (name_is(name, TESTS[test_idx].name)) {
            set_lookup(lookup, TESTS[test_idx].fn, TYPE_BOOL, 2, TYPE_JSONB, TYPE_JSONB, 0);
            return true;
        }
    }
    return false;
}

Error *kern_json_lookup(const char *name, const Type *arg_types, uint32_t arg_count,
                        KernLookup *lookup_out, bool *handled_out)
{
    *handled_out = true;
    uint32_t first = arg_count > 0 ? arg_types[0].id : TYPE_INVALID;
    if (name_is(name, "gen_random_uuid") && arg_count <= 1) {
        set_lookup(lookup_out, kern_gen_random_uuid, TYPE_UUID, arg_count,
                   arg_count > 0 ? first : 0, 0, 0);
        if (arg_count > 0) lookup_out->arg_types[0] = arg_types[0];
        return NULL;
    }
    if (arg_count == 2 && is_json(first) && lookup_operator(name, arg_types, lookup_out)) return NULL;
    if (arg_count == 2 && first == TYPE_UNKNOWN && arg_types[1].id == TYPE_JSONB &&
        lookup_operator(name, (Type[]){ type_plain(TYPE_JSONB), arg_types[1] }, lookup_out)) {
        return NULL;
    }
    if (arg_count == 1 && (name_is(name, "to_json") || name_is(name, "to_jsonb"))) {
        bool jsonb = name[7] == 'b';
        set_lookup(lookup_out, jsonb ? kern_to_jsonb : kern_to_json, jsonb ? TYPE_JSONB : TYPE_JSON,
                   1, first == TYPE_UNKNOWN ? TYPE_TEXT : first, 0, 0);
        if (first != TYPE_UNKNOWN) lookup_out->arg_types[0] = arg_types[0];
        return NULL;
    }
    static const struct { const char *name; uint32_t arg; uint32_t result; KernFn fn; } UNARY[] = {
        { "json_typeof", TYPE_JSON, TYPE_TEXT, kern_json_typeof },
        { "jsonb_typeof", TYPE_JSONB, TYPE_TEXT, kern_jsonb_typeof },
        { "json_array_length", TYPE_JSON, TYPE_INT4, kern_json_array_length },
        { "jsonb_array_length", TYPE_JSONB, TYPE_INT4, kern_jsonb_array_length },
    };
    for (size_t unary_idx = 0; arg_count == 1 && unary_idx < sizeof UNARY / sizeof UNARY[0];
         unary_idx++) {
        if (!name_is(name, UNARY[unary_idx].name)) continue;
        if (first != UNARY[unary_idx].arg && first != TYPE_UNKNOWN) break;
        set_lookup(lookup_out, UNARY[unary_idx].fn, UNARY[unary_idx].result, 1,
                   UNARY[unary_idx].arg, 0, 0);
        return NULL;
    }
    if (name_is(name, "json build pair") && arg_count == 3) {
        set_lookup(lookup_out, kern_json_build_pair, TYPE_JSON, 3, TYPE_JSON, TYPE_TEXT, TYPE_JSON);
        return NULL;
    }
    if (name_is(name, "json build elem") && arg_count == 2) {
        set_lookup(lookup_out, kern_json_build_elem, TYPE_JSON, 2, TYPE_JSON, TYPE_JSON, 0);
        return NULL;
    }
    *handled_out = false;
    return NULL;
}
