/* executor/op_sysview.c: PLAN_SYSVIEW_SCAN: the rows of a system relation (pg_catalog.*,
 * information_schema.*), made at open by the planner's generator (planner/sysview.h) from the
 * catalog as the statement's transaction sees it, then handed out in chunks.
 *
 * The generator's environment comes from the session through ExecCtx.hooks.special
 * (current_database, current_user, pg_backend_pid, current_setting) and, for pg_settings,
 * every setting name session_guc.c knows (sess_guc_name). Cells become vector values of the
 * plan's column types: integers, floats, text; integer and text lists become arrays through
 * common/array.h (int2vector / oidvector with lower bound 0), or their PostgreSQL text form
 * when the column stands in as text (sysview_column_type). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* common/array.h's comment on array_next nests a comment opener (reported to the lead) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcomment"
#include "common/array.h"
#pragma GCC diagnostic pop
#include "common/asserts.h"
#include "executor/op_int.h"
#include "executor/session.h"
#include "planner/sysview.h"

Error *op_sysview_new(ExecCtx *ctx, const Plan *plan, Op **op_out);

typedef struct SysviewOp {
    Op       base;
    Arena   *rows_arena;      /* the generated rows (from open to close / rescan) */
    SysRows  rows;
    size_t   row_next;
    bool     generated;
    OpBatch  batch;
} SysviewOp;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* session_text: one special function's value from the session, or fallback. */
static const char *session_text(ExecCtx *ctx, const char *name, const char *arg, Arena *arena,
                                const char *fallback)
{
    if (ctx->hooks.special == NULL) return fallback;
    const char *args[1] = { arg };
    const char *text = NULL;
    Error *err = ctx->hooks.special(ctx->hooks.ctx, name, args, arg != NULL ? 1 : 0, arena,
                                    &text);
    if (err != NULL) {
        err_free(err);
        return fallback;
    }
    return text != NULL ? text : fallback;
}

static Error *collect_settings(ExecCtx *ctx, Arena *arena, SysEnv *env)
{
    size_t count = 0;
    while (sess_guc_name((int)count) != NULL) count++;
    SysSetting *settings = arena_calloc(arena, (count + 1) * sizeof *settings);
    if (settings == NULL) return oom();
    size_t kept = 0;
    for (size_t idx = 0; idx < count; idx++) {
        const char *name = sess_guc_name((int)idx);
        const char *value = session_text(ctx, "current_setting", name, arena, NULL);
        if (value == NULL) continue;
        settings[kept++] = (SysSetting){ name, value };
    }
    env->settings = settings;
    env->setting_count = kept;
    return NULL;
}

static Error *generate(SysviewOp *scan)
{
    ExecCtx *ctx = scan->base.ctx;
    const SysView *view = scan->base.plan->sysview;
    if (view == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "system scan without relation");
    arena_reset(scan->rows_arena);
    Arena *arena = scan->rows_arena;
    SysEnv env = {
        .catalog = ctx->catalog,
        .txn = ctx->txn,
        .arena = arena,
        .database = session_text(ctx, "current_database", NULL, arena, "birch"),
        .user = session_text(ctx, "current_user", NULL, arena, "birch"),
        .application_name = session_text(ctx, "current_setting", "application_name", arena, ""),
    };
    const char *pid = session_text(ctx, "pg_backend_pid", NULL, arena, "0");
    env.backend_pid = (int32_t)strtol(pid, NULL, 10);
    if (strcmp(view->name, "pg_settings") == 0) TRY(collect_settings(ctx, arena, &env));
    TRY(sysview_generate(view, &env, &scan->rows));
    scan->row_next = 0;
    scan->generated = true;
    return NULL;
}

static Error *sysview_open(Op *op)
{
    SysviewOp *scan = (SysviewOp *)op;
    scan->generated = false;
    scan->row_next = 0;
    return NULL;
}

/* sysview_rescan: the same rows again (one statement reads one snapshot, so a system
 * relation on the inner side of a nested loop or in a correlated subplan is made once). */
static Error *sysview_rescan(Op *op)
{
    ((SysviewOp *)op)->row_next = 0;
    return NULL;
}

/* ---------------------------------------------------------------- values ---- */

/* Buf: a small growing string in an arena. */
typedef struct TextBuf {
    Arena *arena;
    char  *text;
    size_t size, capacity;
} TextBuf;

static Error *text_add(TextBuf *buf, const char *piece, size_t add)
{
    if (buf->size + add + 1 > buf->capacity) {
        size_t capacity = (buf->capacity + add + 1) * 2;
        char *text = arena_alloc(buf->arena, capacity);
        if (text == NULL) return oom();
        if (buf->size > 0) memcpy(text, buf->text, buf->size);
        buf->text = text;
        buf->capacity = capacity;
    }
    memcpy(buf->text + buf->size, piece, add);
    buf->size += add;
    buf->text[buf->size] = '\0';
    return NULL;
}

/* list_needs_quotes: PostgreSQL's array_out quoting rule for one element. */
static bool list_needs_quotes(const char *text)
{
    if (text[0] == '\0' || strcasecmp(text, "null") == 0) return true;
    for (const char *pos = text; *pos != '\0'; pos++) {
        if (strchr("{},\"\\ \t\n", *pos) != NULL) return true;
    }
    return false;
}

/* list_text: a list cell in PostgreSQL's text form: vectors "1 2", arrays "{a,b}". */
static Error *list_text(const SysValue *value, bool vector, Arena *arena, const char **text_out,
                        size_t *size_out)
{
    TextBuf buf = { .arena = arena };
    TRY(text_add(&buf, "", 0));
    if (!vector) TRY(text_add(&buf, "{", 1));
    for (uint32_t idx = 0; idx < value->count; idx++) {
        if (idx > 0) TRY(text_add(&buf, vector ? " " : ",", 1));
        if (value->kind == SYS_VALUE_INT_LIST) {
            char number[32];
            int size = snprintf(number, sizeof number, "%lld", (long long)value->ints[idx]);
            TRY(text_add(&buf, number, (size_t)size));
            continue;
        }
        const char *element = value->texts[idx] != NULL ? value->texts[idx] : "NULL";
        bool quote = value->texts[idx] != NULL && list_needs_quotes(element);
        if (quote) TRY(text_add(&buf, "\"", 1));
        for (const char *pos = element; *pos != '\0'; pos++) {
            if (quote && (*pos == '"' || *pos == '\\')) TRY(text_add(&buf, "\\", 1));
            TRY(text_add(&buf, pos, 1));
        }
        if (quote) TRY(text_add(&buf, "\"", 1));
    }
    if (!vector) TRY(text_add(&buf, "}", 1));
    *text_out = buf.text;
    *size_out = buf.size;
    return NULL;
}

static Error *list_array(const SysValue *value, Type type, Arena *arena, const uint8_t **bytes_out,
                         size_t *size_out)
{
    bool vector = type.id == TYPE_INT2VECTOR || type.id == TYPE_OIDVECTOR;
    uint32_t elem = type_array_elem(type.id);
    if (elem == TYPE_INVALID) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "system column of type %u is not an array",
                       type.id);
    }
    ArrayBuilder builder;
    array_builder_init(&builder, arena, elem, vector ? 0 : 1);
    for (uint32_t idx = 0; idx < value->count; idx++) {
        if (value->kind == SYS_VALUE_INT_LIST) {
            array_builder_add_int(&builder, value->ints[idx]);
        } else if (value->texts[idx] == NULL) {
            array_builder_add(&builder, NULL, -1);
        } else if (elem == TYPE_FLOAT4) {   /* stats: pg_stats.most_common_freqs */
            float number = strtof(value->texts[idx], NULL);
            uint32_t bits = 0;
            memcpy(&bits, &number, sizeof bits);
            uint8_t send[4] = {(uint8_t)(bits >> 24), (uint8_t)(bits >> 16), (uint8_t)(bits >> 8),
                               (uint8_t)bits};
            array_builder_add(&builder, send, 4);
        } else {
            array_builder_add_text(&builder, value->texts[idx], -1);
        }
    }
    *bytes_out = array_builder_finish(&builder, size_out);
    return *bytes_out == NULL ? oom() : NULL;
}

static Error *put_value(Vector *vec, uint32_t row_idx, const SysValue *value, uint32_t declared,
                        Arena *arena)
{
    if (value->kind == SYS_VALUE_NULL) return vec_set_null(vec, row_idx);
    switch (vec->phys) {
    case VEC_PHYS_BOOL: vec_bool(vec)[row_idx] = value->int_value != 0; return NULL;
    case VEC_PHYS_I16: vec_i16(vec)[row_idx] = (int16_t)value->int_value; return NULL;
    case VEC_PHYS_I32: vec_i32(vec)[row_idx] = (int32_t)value->int_value; return NULL;
    case VEC_PHYS_I64:
        /* regtype stand-ins carry the OID next to the name */
        vec_i64(vec)[row_idx] = value->int_value;
        return NULL;
    case VEC_PHYS_F32: vec_f32(vec)[row_idx] = (float)value->float_value; return NULL;
    case VEC_PHYS_F64: vec_f64(vec)[row_idx] = value->float_value; return NULL;
    case VEC_PHYS_STR: {
        if (value->kind == SYS_VALUE_TEXT) {
            return vec_str_set(vec, row_idx, value->text, (uint32_t)strlen(value->text));
        }
        if (value->kind == SYS_VALUE_INT_LIST || value->kind == SYS_VALUE_TEXT_LIST) {
            bool vector = declared == TYPE_INT2VECTOR || declared == TYPE_OIDVECTOR;
            const char *text = NULL;
            size_t size = 0;
            TRY(list_text(value, vector, arena, &text, &size));
            return vec_str_set(vec, row_idx, text, (uint32_t)size);
        }
        char number[32];
        int size = value->kind == SYS_VALUE_FLOAT
                       ? snprintf(number, sizeof number, "%g", value->float_value)
                       : snprintf(number, sizeof number, "%lld", (long long)value->int_value);
        return vec_str_set(vec, row_idx, number, (uint32_t)size);
    }
    case VEC_PHYS_ARRAY: {
        if (value->kind != SYS_VALUE_INT_LIST && value->kind != SYS_VALUE_TEXT_LIST) {
            return vec_set_null(vec, row_idx);
        }
        const uint8_t *bytes = NULL;
        size_t size = 0;
        TRY(list_array(value, vec->type, arena, &bytes, &size));
        return vec_str_set(vec, row_idx, (const char *)bytes, (uint32_t)size);
    }
    default:
        return err_new(SQLSTATE_INTERNAL_ERROR, "system column of type %s is not supported",
                       type_name(vec->type.id));
    }
}

static Error *sysview_next(Op *op, DataChunk **chunk_out)
{
    SysviewOp *scan = (SysviewOp *)op;
    const Plan *plan = op->plan;
    const SysView *view = plan->sysview;
    *chunk_out = NULL;
    if (!scan->generated) TRY(generate(scan));
    if (scan->row_next >= scan->rows.row_count) return NULL;
    size_t remaining = scan->rows.row_count - scan->row_next;
    uint32_t rows = remaining > VEC_VALUE_COUNT_MAX ? VEC_VALUE_COUNT_MAX : (uint32_t)remaining;
    TRY(op_batch_begin(&scan->batch, rows));
    DataChunk *chunk = &scan->batch.chunk;
    for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        TRY(vec_reserve(vec, rows));
        uint32_t declared = view->columns[col_idx].pg_type;
        for (uint32_t row_idx = 0; row_idx < rows; row_idx++) {
            const SysValue *value =
                &scan->rows.cells[(scan->row_next + row_idx) * scan->rows.column_count + col_idx];
            TRY(put_value(vec, row_idx, value, declared, scan->batch.arena));
        }
    }
    chunk->row_count = rows;
    scan->row_next += rows;
    *chunk_out = chunk;
    return NULL;
}

static void sysview_close(Op *op)
{
    SysviewOp *scan = (SysviewOp *)op;
    op_batch_destroy(&scan->batch);
    if (scan->rows_arena != NULL) arena_destroy(scan->rows_arena);
    scan->rows_arena = NULL;
}

static const OpVtbl SYSVIEW_VTBL = {
    .name = "System Scan", .open = sysview_open, .next = sysview_next, .rescan = sysview_rescan,
    .close = sysview_close,
};

Error *op_sysview_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    if (plan->sysview == NULL || plan->column_count != plan->sysview->column_count) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "malformed system relation scan");
    }
    SysviewOp *scan = arena_calloc(ctx->arena, sizeof *scan);
    if (scan == NULL) return oom();
    scan->base.vt = &SYSVIEW_VTBL;
    scan->base.plan = plan;
    scan->base.ctx = ctx;
    scan->base.column_count = plan->column_count;
    scan->base.types = plan->types;
    scan->rows_arena = arena_create(16 * 1024);
    if (scan->rows_arena == NULL) return oom();
    Error *err = op_batch_init(&scan->batch, plan->types, plan->column_count);
    if (err != NULL) {
        sysview_close(&scan->base);
        return err;
    }
    *op_out = &scan->base;
    return NULL;
}
