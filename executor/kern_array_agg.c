/* executor/kern_array_agg.c: array_agg and string_agg, with ORDER BY inside the call.
 *
 * AggKern takes one input column, so the binder feeds these aggregates one packed bytea per
 * row, made by agg_pack(value, sort key, separator):
 *
 *   u32 key_size, key bytes (storage/key.h's order-preserving encoding of the ORDER BY values,
 *   from agg_sortkey; empty without ORDER BY), u8 value_is_null, u32 value_size, value bytes
 *   (the element's binary send form), u8 sep_is_null, separator bytes (string_agg).
 *
 * The state of a group is a heap list of the packed rows (destroy frees it). finalize sorts
 * them stably by key (memcmp: the keys order as the ORDER BY does; ties keep input order) and
 * builds the array (array_agg keeps NULL values) or the string (string_agg skips NULL values;
 * every value but the first is preceded by its own row's separator, NULL separator = none).
 * No rows, or string_agg over only NULLs: NULL.
 *
 * The distinct kernels ("array_agg distinct", "string_agg distinct": the binder's DISTINCT,
 * whose key covers every argument) keep, after the sort, only the first row of each key:
 * the executor already dropped rows with the same packed bytes, this drops equal values with
 * other bytes (numeric 1.0 and 1.00), as PostgreSQL's equality does. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "executor/kern_array.h"
#include "executor/kern_int.h"
#include "executor/op_heavy_int.h"

static Error *oom_err(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

KERN_DECLARE(kern_agg_sortkey)
{
    const Vector *value = args[0], *dir = args[1];
    KeyBatch keys;
    TRY(kern_out_reserve(out, sel, count));
    TRY(op_keys_begin(&keys, sel, count, ctx->arena));
    KeyDir key_dir = (KeyDir)(vec_i32(dir)[0] & 3);
    TRY(op_keys_add(&keys, value, sel, count, key_dir));
    FOR_ROWS(sel, count, {
        vec_set_valid(out, r);
        TRY(vec_str_set(out, r, (const char *)keys.bytes[r], keys.size[r]));
    });
    return NULL;
}

KERN_DECLARE(kern_agg_pack)
{
    const Vector *value = args[0], *key = args[1], *sep = args[2];
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        uint8_t buf[16];
        const uint8_t *data = NULL;
        int32_t size = 0;
        if (row_valid(value, r)) TRY(kern_array_elem_get(value, r, buf, ctx->arena, &data, &size));
        const StrView *key_view = row_valid(key, r) ? str_at(key, r) : NULL;
        const StrView *sep_view = row_valid(sep, r) ? str_at(sep, r) : NULL;
        uint32_t key_size = key_view != NULL ? key_view->size : 0;
        uint32_t sep_size = sep_view != NULL ? sep_view->size : 0;
        size_t total = 4 + (size_t)key_size + 1 + 4 + (size_t)size + 1 + sep_size;
        uint8_t *packed = arena_alloc(ctx->arena, total);
        if (packed == NULL) return oom_err();
        uint8_t *pos = packed;
        enc_u32be(pos, key_size);
        pos += 4;
        if (key_size > 0) memcpy(pos, str_view_data(key_view), key_size);
        pos += key_size;
        *pos++ = data == NULL ? 1 : 0;
        enc_u32be(pos, (uint32_t)size);
        pos += 4;
        if (size > 0) memcpy(pos, data, (size_t)size);
        pos += size;
        *pos++ = sep_view == NULL ? 1 : 0;
        if (sep_size > 0) memcpy(pos, str_view_data(sep_view), sep_size);
        vec_set_valid(out, r);
        TRY(vec_str_set(out, r, (const char *)packed, (uint32_t)total));
    });
    return NULL;
}

/* ---------------------------------------------------------------- state ---- */

typedef struct ListItem {
    uint8_t *data;     /* the packed row (heap) */
    uint32_t size;
    uint32_t seq;      /* arrival order: ties keep it */
} ListItem;

typedef struct ListState {
    ListItem *items;
    uint32_t  count;
    uint32_t  capacity;
    bool      distinct;    /* finalize keeps the first row of each key */
} ListState;

static void list_init(void *state) { memset(state, 0, sizeof(ListState)); }

static void list_init_distinct(void *state)
{
    list_init(state);
    ((ListState *)state)->distinct = true;
}

static void list_destroy(void *state)
{
    ListState *list = state;
    for (uint32_t item_idx = 0; item_idx < list->count; item_idx++) free(list->items[item_idx].data);
    free(list->items);
    bool distinct = list->distinct;
    memset(list, 0, sizeof *list);
    list->distinct = distinct;
}

/* packed_ok: data has agg_pack's layout (a guard: the input must come from agg_pack). */
static bool packed_ok(const uint8_t *data, uint32_t size)
{
    if (size < 4) return false;
    uint64_t pos = 4 + (uint64_t)dec_u32be(data);
    if (pos + 5 > size) return false;
    pos += 1;
    pos += 4 + (uint64_t)dec_u32be(data + pos);
    return pos + 1 <= size;
}

static Error *list_push(ListState *list, const void *data, uint32_t size)
{
    if (!packed_ok(data, size)) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "array_agg / string_agg input is not packed");
    }
    if (list->count == UINT32_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "array size exceeds the maximum allowed");
    }
    if (list->count == list->capacity) {
        uint32_t capacity = list->capacity == 0 ? 8 : list->capacity * 2;
        ListItem *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL) return oom_err();
        list->items = items;
        list->capacity = capacity;
    }
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL) return oom_err();
    memcpy(copy, data, size);
    list->items[list->count] = (ListItem){ .data = copy, .size = size, .seq = list->count };
    list->count++;
    return NULL;
}

static Error *list_update(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                          uint32_t count, void *state)
{
    FOR_ROWS(sel, count, {
        if (row_valid(values, r)) {
            const StrView *view = str_at(values, r);
            TRY(list_push(state, str_view_data(view), view->size));
        }
    });
    (void)ctx;
    return NULL;
}

static Error *list_update_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                  uint32_t count, const uint32_t *group_idx, void *states)
{
    FOR_ROWS(sel, count, {
        if (row_valid(values, r)) {
            const StrView *view = str_at(values, r);
            ListState *list = (ListState *)((uint8_t *)states + (size_t)group_idx[r] * sizeof(ListState));
            TRY(list_push(list, str_view_data(view), view->size));
        }
    });
    (void)ctx;
    return NULL;
}

static Error *list_merge(void *dst, const void *src)
{
    const ListState *from = src;
    for (uint32_t item_idx = 0; item_idx < from->count; item_idx++) {
        TRY(list_push(dst, from->items[item_idx].data, from->items[item_idx].size));
    }
    return NULL;
}

/* Packed (see the file comment), decoded. */
typedef struct Packed {
    const uint8_t *key;
    uint32_t       key_size;
    const uint8_t *value;    /* NULL: a NULL value */
    uint32_t       value_size;
    const uint8_t *sep;      /* NULL: a NULL separator */
    uint32_t       sep_size;
} Packed;

static Packed unpack(const ListItem *item)
{
    /* the bytes were made by kern_agg_pack in this process, never read from outside */
    const uint8_t *pos = item->data;
    Packed packed;
    packed.key_size = dec_u32be(pos);
    packed.key = pos + 4;
    pos += 4 + packed.key_size;
    bool value_null = *pos++ != 0;
    packed.value_size = dec_u32be(pos);
    pos += 4;
    packed.value = value_null ? NULL : pos;
    pos += packed.value_size;
    bool sep_null = *pos++ != 0;
    packed.sep = sep_null ? NULL : pos;
    packed.sep_size = (uint32_t)(item->data + item->size - pos);
    return packed;
}

static int item_cmp(const void *left, const void *right)
{
    const ListItem *a = left, *b = right;
    uint32_t a_key = dec_u32be(a->data), b_key = dec_u32be(b->data);
    uint32_t common = a_key < b_key ? a_key : b_key;
    int result = common > 0 ? memcmp(a->data + 4, b->data + 4, common) : 0;
    if (result == 0) result = (a_key > b_key) - (a_key < b_key);
    if (result == 0) result = (a->seq > b->seq) - (a->seq < b->seq);
    return result;
}

static bool same_key(const ListItem *a, const ListItem *b)
{
    uint32_t a_key = dec_u32be(a->data), b_key = dec_u32be(b->data);
    return a_key == b_key && memcmp(a->data + 4, b->data + 4, a_key) == 0;
}

/* list_sort: sort the rows by key (stable); distinct: then drop every row whose key equals
 * the previous row's (freeing it), so finalize sees each value once. */
static void list_sort(ListState *list)
{
    if (list->count > 1) qsort(list->items, list->count, sizeof *list->items, item_cmp);
    if (!list->distinct || list->count < 2) return;
    uint32_t kept = 1;
    for (uint32_t item_idx = 1; item_idx < list->count; item_idx++) {
        if (same_key(&list->items[kept - 1], &list->items[item_idx])) {
            free(list->items[item_idx].data);
        } else {
            list->items[kept++] = list->items[item_idx];
        }
    }
    list->count = kept;
}

static Error *array_agg_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    ListState *list = (ListState *)state;   /* sorting in place keeps the state's contents */
    if (list->count == 0) return vec_set_null(out, row_idx);
    list_sort(list);
    ArrayBuilder builder;
    array_builder_init(&builder, out->arena, type_array_elem(out->type.id), 1);
    for (uint32_t item_idx = 0; item_idx < list->count; item_idx++) {
        Packed packed = unpack(&list->items[item_idx]);
        array_builder_add(&builder, packed.value, packed.value != NULL ? (int32_t)packed.value_size : -1);
    }
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    (void)ctx;
    return kern_array_set(out, row_idx, bytes, size);
}

static Error *string_agg_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    ListState *list = (ListState *)state;
    list_sort(list);
    size_t total = 0;
    for (uint32_t item_idx = 0; item_idx < list->count; item_idx++) {
        Packed packed = unpack(&list->items[item_idx]);
        if (packed.value != NULL) total += (size_t)packed.value_size + packed.sep_size;
    }
    char *text = arena_alloc(ctx->arena, total > 0 ? total : 1);
    if (text == NULL) return oom_err();
    size_t used = 0;
    bool any = false;
    for (uint32_t item_idx = 0; item_idx < list->count; item_idx++) {
        Packed packed = unpack(&list->items[item_idx]);
        if (packed.value == NULL) continue;
        if (any && packed.sep != NULL) {
            memcpy(text + used, packed.sep, packed.sep_size);
            used += packed.sep_size;
        }
        memcpy(text + used, packed.value, packed.value_size);
        used += packed.value_size;
        any = true;
    }
    if (!any) return vec_set_null(out, row_idx);
    if (used > UINT32_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "string size exceeds the maximum allowed");
    }
    vec_set_valid(out, row_idx);
    return vec_str_set(out, row_idx, text, (uint32_t)used);
}

/* LIST_AGGS_WITH(INIT): array_agg over every element type and string_agg over text / bytea,
 * their states started by INIT (list_init, or list_init_distinct for DISTINCT). */
#define ARRAY_AGG(INIT, ELEM, ARRAY)                                                          \
    { "array_agg", ELEM, ARRAY, sizeof(ListState), INIT, list_update, list_update_grouped,   \
      list_merge, array_agg_finalize, list_destroy }
#define STRING_AGG(INIT, TYPE)                                                                \
    { "string_agg", TYPE, TYPE, sizeof(ListState), INIT, list_update, list_update_grouped,   \
      list_merge, string_agg_finalize, list_destroy }
#define LIST_AGGS_WITH(INIT)                                                                  \
    ARRAY_AGG(INIT, TYPE_BOOL, TYPE_BOOL_ARRAY), ARRAY_AGG(INIT, TYPE_BYTEA, TYPE_BYTEA_ARRAY), \
    ARRAY_AGG(INIT, TYPE_CHAR, TYPE_CHAR_ARRAY), ARRAY_AGG(INIT, TYPE_NAME, TYPE_NAME_ARRAY), \
    ARRAY_AGG(INIT, TYPE_INT2, TYPE_INT2_ARRAY), ARRAY_AGG(INIT, TYPE_INT4, TYPE_INT4_ARRAY), \
    ARRAY_AGG(INIT, TYPE_TEXT, TYPE_TEXT_ARRAY),                                            \
    ARRAY_AGG(INIT, TYPE_BPCHAR, TYPE_BPCHAR_ARRAY),                                        \
    ARRAY_AGG(INIT, TYPE_VARCHAR, TYPE_VARCHAR_ARRAY),                                      \
    ARRAY_AGG(INIT, TYPE_INT8, TYPE_INT8_ARRAY),                                            \
    ARRAY_AGG(INIT, TYPE_FLOAT4, TYPE_FLOAT4_ARRAY),                                        \
    ARRAY_AGG(INIT, TYPE_FLOAT8, TYPE_FLOAT8_ARRAY), ARRAY_AGG(INIT, TYPE_OID, TYPE_OID_ARRAY), \
    ARRAY_AGG(INIT, TYPE_TIMESTAMP, TYPE_TIMESTAMP_ARRAY),                                  \
    ARRAY_AGG(INIT, TYPE_DATE, TYPE_DATE_ARRAY), ARRAY_AGG(INIT, TYPE_TIME, TYPE_TIME_ARRAY), \
    ARRAY_AGG(INIT, TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ_ARRAY),                              \
    ARRAY_AGG(INIT, TYPE_INTERVAL, TYPE_INTERVAL_ARRAY),                                    \
    ARRAY_AGG(INIT, TYPE_NUMERIC, TYPE_NUMERIC_ARRAY),                                      \
    ARRAY_AGG(INIT, TYPE_REGTYPE, TYPE_REGTYPE_ARRAY),                                      \
    ARRAY_AGG(INIT, TYPE_UUID, TYPE_UUID_ARRAY), ARRAY_AGG(INIT, TYPE_JSON, TYPE_JSON_ARRAY), \
    ARRAY_AGG(INIT, TYPE_JSONB, TYPE_JSONB_ARRAY), STRING_AGG(INIT, TYPE_TEXT),             \
    STRING_AGG(INIT, TYPE_BYTEA)

static const AggKern LIST_AGGS[] = { LIST_AGGS_WITH(list_init) };
static const AggKern LIST_AGGS_DISTINCT[] = { LIST_AGGS_WITH(list_init_distinct) };
STATIC_ASSERT(sizeof LIST_AGGS == sizeof LIST_AGGS_DISTINCT, "one distinct kernel per kernel");

const AggKern *kern_array_agg_find(const char *name, uint32_t input_type)
{
    /* "array_agg distinct": the binder's DISTINCT form */
    const AggKern *table = LIST_AGGS;
    size_t name_size = strlen(name);
    static const char SUFFIX[] = " distinct";
    if (name_size > sizeof SUFFIX - 1 &&
        strcmp(name + name_size - (sizeof SUFFIX - 1), SUFFIX) == 0) {
        table = LIST_AGGS_DISTINCT;
        name_size -= sizeof SUFFIX - 1;
    }
    bool is_string = name_size == 10 && strncmp(name, "string_agg", 10) == 0;
    if (is_string && type_is_string(input_type)) input_type = TYPE_TEXT;
    for (size_t agg_idx = 0; agg_idx < sizeof LIST_AGGS / sizeof LIST_AGGS[0]; agg_idx++) {
        const AggKern *agg = &table[agg_idx];
        if (agg->input_type == input_type && strlen(agg->name) == name_size &&
            strncmp(agg->name, name, name_size) == 0) {
            return agg;
        }
    }
    return NULL;
}
