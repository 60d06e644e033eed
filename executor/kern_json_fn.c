/* executor/kern_json_fn.c: functions that build or inspect json values: to_json / to_jsonb,
 * the steps of json_build_object / json_build_array, json_typeof, json_array_length.
 *
 * to_json follows PostgreSQL's datum_to_json for the categories it knows: numbers as they
 * print (NaN and infinities quoted), booleans true/false, json/jsonb as they are, date as its
 * ISO text, timestamp[tz] in ISO 8601 ("2024-01-02T03:04:05+00:00"), everything else as its
 * output text in a JSON string. Arrays are not expanded into JSON arrays (a known gap). */
#include "common/json.h"
#include "executor/kern_int.h"
#include "executor/kern_json.h"

typedef enum JsonCategory {
    CAT_STRING, CAT_NUMBER, CAT_BOOL, CAT_JSON, CAT_DATE, CAT_TIMESTAMP, CAT_TIMESTAMPTZ,
} JsonCategory;

static JsonCategory category_of(uint32_t id)
{
    switch (id) {
    case TYPE_INT2: case TYPE_INT4: case TYPE_INT8: case TYPE_NUMERIC: case TYPE_FLOAT4:
    case TYPE_FLOAT8: case TYPE_OID:
        return CAT_NUMBER;
    case TYPE_BOOL: return CAT_BOOL;
    case TYPE_JSON: case TYPE_JSONB: return CAT_JSON;
    case TYPE_DATE: return CAT_DATE;
    case TYPE_TIMESTAMP: return CAT_TIMESTAMP;
    case TYPE_TIMESTAMPTZ: return CAT_TIMESTAMPTZ;
    default: return CAT_STRING;
    }
}

/* text_of: the output text of every selected valid row of arg (string types as they are). */
static Error *text_of(KernCtx *ctx, const Vector *arg, const uint16_t *sel, uint32_t count,
                      Vector *text_out, const Vector **text_vec_out)
{
    if (type_is_string(arg->type.id) || arg->type.id == TYPE_JSON || arg->type.id == TYPE_JSONB) {
        *text_vec_out = arg;
        return NULL;
    }
    KernFn fn = NULL;
    TRY(kern_cast_lookup(arg->type, type_plain(TYPE_TEXT), &fn));
    if (fn == NULL) {
        *text_vec_out = arg;
        return NULL;
    }
    vec_init(text_out, type_plain(TYPE_TEXT), ctx->arena);
    const Vector *args[1] = { arg };
    TRY(fn(ctx, args, sel, count, text_out));
    *text_vec_out = text_out;
    return NULL;
}

static bool is_special_number(const char *text, size_t size)
{
    return (size == 3 && memcmp(text, "NaN", 3) == 0) ||
           (size == 8 && memcmp(text, "Infinity", 8) == 0) ||
           (size == 9 && memcmp(text, "-Infinity", 9) == 0);
}

/* append_iso: a timestamp's ISO text with 'T' between date and time, the zone offset as
 * +HH:MM (timestamptz), quoted. */
static void append_iso(JsonBuf *buf, const char *text, size_t size, bool with_zone)
{
    char iso[128];
    if (size + 4 >= sizeof iso) {
        json_escape(buf, text, size);
        return;
    }
    memcpy(iso, text, size);
    for (size_t pos = 0; pos < size; pos++) {
        if (iso[pos] == ' ' && pos > 0 && iso[pos - 1] >= '0' && iso[pos - 1] <= '9') {
            iso[pos] = 'T';
            break;
        }
    }
    /* "+05" -> "+05:00": an offset of hours only follows the time's last digit */
    if (with_zone && size >= 3 && (iso[size - 3] == '+' || iso[size - 3] == '-') &&
        iso[size - 2] >= '0' && iso[size - 2] <= '9' && iso[size - 1] >= '0' && iso[size - 1] <= '9') {
        memcpy(iso + size, ":00", 3);
        size += 3;
    }
    json_escape(buf, iso, size);
}

/* append_value: row r of value (valid) as JSON text; text holds its output text. */
static void append_value(JsonBuf *buf, JsonCategory category, const Vector *value,
                         const Vector *text, uint32_t r)
{
    if (category == CAT_BOOL) {
        json_buf_append_str(buf, vec_bool(value)[value->is_constant ? 0 : r] ? "true" : "false");
        return;
    }
    const StrView *view = str_at(text, r);
    const char *data = str_view_data(view);
    switch (category) {
    case CAT_NUMBER:
        if (is_special_number(data, view->size)) json_escape(buf, data, view->size);
        else json_buf_append(buf, data, view->size);
        return;
    case CAT_JSON: json_buf_append(buf, data, view->size); return;
    case CAT_TIMESTAMP: append_iso(buf, data, view->size, false); return;
    case CAT_TIMESTAMPTZ: append_iso(buf, data, view->size, true); return;
    default: json_escape(buf, data, view->size); return;
    }
}

static Error *to_json_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                             uint32_t count, Vector *out, bool jsonb)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    Vector text_storage;
    const Vector *text = NULL;
    TRY(text_of(ctx, args[0], sel, count, &text_storage, &text));
    JsonCategory category = category_of(args[0]->type.id);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        JsonBuf buf;
        json_buf_init(&buf, ctx->arena);
        append_value(&buf, category, args[0], text, r);
        TRY(json_buf_finish(&buf));
        if (jsonb) {
            const char *normal = NULL;
            size_t normal_size = 0;
            TRY(json_to_jsonb_text(buf.data, buf.size, ctx->arena, &normal, &normal_size));
            TRY(vec_str_set(out, r, normal, (uint32_t)normal_size));
        } else {
            TRY(vec_str_set(out, r, buf.data, (uint32_t)buf.size));
        }
    });
    return NULL;
}

KERN_DECLARE(kern_to_json) { return to_json_kernel(ctx, args, sel, count, out, false); }
KERN_DECLARE(kern_to_jsonb) { return to_json_kernel(ctx, args, sel, count, out, true); }

/* null_key_error: PostgreSQL's message names the key's argument position: the pairs already
 * in acc tell which one it is. */
static Error *null_key_error(KernCtx *ctx, const StrView *acc)
{
    JsonValue *so_far = NULL;
    uint32_t pair_count = 0;
    if (json_parse(str_view_data(acc), acc->size, false, ctx->arena, &so_far) == NULL &&
        so_far->kind == JSON_KIND_OBJECT) {
        pair_count = so_far->count;
    }
    return err_set_hint(err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "argument %u cannot be null",
                                2 * pair_count + 1),
                        "Object keys should be text.");
}

/* append_step: acc ("{}"/"[]" or a value built by earlier steps) with one more item: open
 * and close are the brackets; item is written by the caller between. */
static void append_open(JsonBuf *buf, const StrView *acc)
{
    const char *data = str_view_data(acc);
    if (acc->size <= 2) {
        json_buf_append(buf, data, 1);
        return;
    }
    json_buf_append(buf, data, acc->size - 1);
    json_buf_append(buf, ", ", 2);
}

/* kern_json_build_pair: "json build pair"(acc, key, value): acc with `"key" : value` added (a
 * NULL value is null; a NULL key is an error). Not strict. */
KERN_DECLARE(kern_json_build_pair)
{
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        const StrView *acc = str_at(args[0], r);
        if (!row_valid(args[1], args[1]->is_constant ? 0 : r)) return null_key_error(ctx, acc);
        const StrView *key = str_at(args[1], r);
        JsonBuf buf;
        json_buf_init(&buf, ctx->arena);
        append_open(&buf, acc);
        json_escape(&buf, str_view_data(key), key->size);
        json_buf_append(&buf, " : ", 3);
        if (row_valid(args[2], args[2]->is_constant ? 0 : r)) {
            const StrView *value = str_at(args[2], r);
            json_buf_append(&buf, str_view_data(value), value->size);
        } else {
            json_buf_append(&buf, "null", 4);
        }
        json_buf_append(&buf, "}", 1);
        TRY(json_buf_finish(&buf));
        TRY(vec_str_set(out, r, buf.data, (uint32_t)buf.size));
    });
    return NULL;
}

/* kern_json_build_elem: "json build elem"(acc, value): acc with value appended (NULL: null). */
KERN_DECLARE(kern_json_build_elem)
{
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        const StrView *acc = str_at(args[0], r);
        JsonBuf buf;
        json_buf_init(&buf, ctx->arena);
        append_open(&buf, acc);
        if (row_valid(args[1], args[1]->is_constant ? 0 : r)) {
            const StrView *value = str_at(args[1], r);
            json_buf_append(&buf, str_view_data(value), value->size);
        } else {
            json_buf_append(&buf, "null", 4);
        }
        json_buf_append(&buf, "]", 1);
        TRY(json_buf_finish(&buf));
        TRY(vec_str_set(out, r, buf.data, (uint32_t)buf.size));
    });
    return NULL;
}

static Error *typeof_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                            uint32_t count, Vector *out)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        JsonValue *value = NULL;
        TRY(json_parse(str_view_data(view), view->size, args[0]->type.id == TYPE_JSONB,
                       ctx->arena, &value));
        const char *name = json_kind_name(value->kind);
        TRY(vec_str_set(out, r, name, (uint32_t)strlen(name)));
    });
    return NULL;
}

KERN_DECLARE(kern_json_typeof) { return typeof_kernel(ctx, args, sel, count, out); }
KERN_DECLARE(kern_jsonb_typeof) { return typeof_kernel(ctx, args, sel, count, out); }

static Error *array_length_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                                  uint32_t count, Vector *out)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        JsonValue *value = NULL;
        TRY(json_parse(str_view_data(view), view->size, args[0]->type.id == TYPE_JSONB,
                       ctx->arena, &value));
        if (value->kind == JSON_KIND_OBJECT) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "cannot get array length of a non-array");
        }
        if (value->kind != JSON_KIND_ARRAY) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "cannot get array length of a scalar");
        }
        vec_i32(out)[r] = (int32_t)value->count;
    });
    return NULL;
}

KERN_DECLARE(kern_json_array_length) { return array_length_kernel(ctx, args, sel, count, out); }
KERN_DECLARE(kern_jsonb_array_length) { return array_length_kernel(ctx, args, sel, count, out); }
