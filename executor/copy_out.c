/* executor/copy_out.c: COPY TO: the query (COPY (SELECT ...) or SELECT cols FROM t) runs as an
 * operator tree in the COPY's transaction; each row is formatted in PostgreSQL's text, CSV or
 * binary COPY format into state->out_buf, one row at a time (binary: the signature and the
 * trailer are chunks of their own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/numeric.h"
#include "executor/copy_int.h"
#include "parser/parse.h"
#include "planner/planner.h"

static const char BINARY_SIGNATURE[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r',
                                          '\n', '\0'};

static Error *out_room(CopyState *state, size_t more)
{
    return copy_buf_room(&state->out_buf, &state->out_cap, state->out_size + more + 1);
}

static Error *out_bytes(CopyState *state, const void *data, size_t size)
{
    TRY(out_room(state, size));
    memcpy(state->out_buf + state->out_size, data, size);
    state->out_size += size;
    return NULL;
}

static Error *out_byte(CopyState *state, char c) { return out_bytes(state, &c, 1); }

/* select_sql: SELECT "a", ... FROM "ns"."t" */
static Error *select_sql(CopyState *state, char **sql_out)
{
    size_t cap = 64;
    for (uint32_t col = 0; col < state->column_count; col++) {
        cap += 2 * strlen(state->column_names[col]) + 4;
    }
    cap += 2 * (strlen(state->table->namespace_name) + strlen(state->table->name)) + 8;
    char *sql = malloc(cap);
    if (sql == NULL) return copy_oom();
    size_t size = 0;
    size += (size_t)snprintf(sql + size, cap - size, "SELECT ");
    for (uint32_t col = 0; col < state->column_count; col++) {
        if (col > 0) sql[size++] = ',';
        sql[size++] = '"';
        for (const char *p = state->column_names[col]; *p != '\0'; p++) {
            if (*p == '"') sql[size++] = '"';
            sql[size++] = *p;
        }
        sql[size++] = '"';
    }
    size += (size_t)snprintf(sql + size, cap - size, " FROM ");
    const char *names[2] = {state->table->namespace_name, state->table->name};
    for (int idx = 0; idx < 2; idx++) {
        if (idx > 0) sql[size++] = '.';
        sql[size++] = '"';
        for (const char *p = names[idx]; *p != '\0'; p++) {
            if (*p == '"') sql[size++] = '"';
            sql[size++] = *p;
        }
        sql[size++] = '"';
    }
    sql[size] = '\0';
    *sql_out = sql;
    return NULL;
}

Error *copy_out_begin(CopyState *state, const AstCopy *copy, const char *sql)
{
    birch_db *db = state->db;
    AstStmt *select = NULL;
    const char *plan_sql = sql;
    char *own_sql = NULL;
    if (copy->table != NULL) {
        TRY(select_sql(state, &own_sql));
        AstStmtList *list = NULL;
        Error *err = parse_sql(state->arena, own_sql, &list);
        if (err == NULL && list->count != 1) {
            err = err_new(SQLSTATE_INTERNAL_ERROR, "COPY: bad select statement");
        }
        if (err != NULL) {
            free(own_sql);
            return err;
        }
        select = list->stmts[0];
        plan_sql = arena_strdup(state->arena, own_sql);
        free(own_sql);
        if (plan_sql == NULL) return copy_oom();
    } else {
        select = arena_calloc(state->arena, sizeof *select);
        if (select == NULL) return copy_oom();
        select->kind = AST_STMT_SELECT;
        select->u.select = copy->query;
    }
    PlanCtx plan_ctx = {
        .arena = state->arena,
        .catalog = engine_catalog(db->engine),
        .txn = db->txn,
        .search_path = db->search_path,
        .search_path_count = db->search_path_count,
        .resolver = exec_resolver(),
        .sql = plan_sql,
    };
    PlannedStmt *planned = NULL;
    TRY(plan_statement(&plan_ctx, select, &planned));
    if (planned->kind != PLANNED_SELECT) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY query must be a SELECT");
    }
    if (planned->param_count > 0) {
        return err_new(SQLSTATE_UNDEFINED_PARAMETER, "there is no parameter $1");
    }
    if (copy->table == NULL) {
        state->column_count = planned->column_count;
        state->column_names = arena_calloc(state->arena,
                                           (planned->column_count + 1) * sizeof(char *));
        if (state->column_names == NULL) return copy_oom();
        for (uint32_t col = 0; col < planned->column_count; col++) {
            state->column_names[col] = planned->columns[col].name;
        }
        state->rel_name = "(query)";
    }
    TRY(sess_lock_tables(db, planned));
    state->ctx.planned = planned;
    TRY(exec_build(&state->ctx, planned->root, &state->query));
    TRY(exec_open(state->query));
    state->out_arena = arena_create(64 * 1024);
    state->out_text = arena_calloc(state->arena, (state->column_count + 1) * sizeof(Vector));
    if (state->out_arena == NULL || state->out_text == NULL) return copy_oom();
    return NULL;
}

void copy_out_close(CopyState *state)
{
    if (state->query != NULL) exec_close(state->query);
    state->query = NULL;
    state->out_chunk = NULL;
}

/* ------------------------------------------------------------------ formatting ---- */

static Error *text_value(CopyState *state, const char *data, size_t size)
{
    char delim = state->opt.delim;
    TRY(out_room(state, size * 2));
    char *out = state->out_buf + state->out_size;
    for (size_t idx = 0; idx < size; idx++) {
        char c = data[idx];
        if ((unsigned char)c < 0x20 || c == '\\' || c == delim) {
            char escaped = 0;
            switch (c) {
            case '\b': escaped = 'b'; break;
            case '\f': escaped = 'f'; break;
            case '\n': escaped = 'n'; break;
            case '\r': escaped = 'r'; break;
            case '\t': escaped = 't'; break;
            case '\v': escaped = 'v'; break;
            case '\\': escaped = '\\'; break;
            default:
                if (c == delim) escaped = c;
                break;
            }
            if (escaped != 0) {
                *out++ = '\\';
                *out++ = escaped;
                continue;
            }
        }
        *out++ = c;
    }
    state->out_size = (size_t)(out - state->out_buf);
    return NULL;
}

static Error *csv_value(CopyState *state, const char *data, size_t size, bool force)
{
    const CopyOptions *opt = &state->opt;
    bool quote = force;
    if (!quote && size == opt->null_size && memcmp(data, opt->null_str, size) == 0) quote = true;
    if (!quote && size == 2 && data[0] == '\\' && data[1] == '.' && state->column_count == 1) {
        quote = true;
    }
    for (size_t idx = 0; !quote && idx < size; idx++) {
        char c = data[idx];
        if (c == opt->delim || c == opt->quote || c == '\n' || c == '\r') quote = true;
    }
    if (!quote) return out_bytes(state, data, size);
    TRY(out_room(state, size * 2 + 2));
    char *out = state->out_buf + state->out_size;
    *out++ = opt->quote;
    for (size_t idx = 0; idx < size; idx++) {
        char c = data[idx];
        if (c == opt->quote || c == opt->escape) *out++ = opt->escape;
        *out++ = c;
    }
    *out++ = opt->quote;
    state->out_size = (size_t)(out - state->out_buf);
    return NULL;
}

static Error *header_row(CopyState *state)
{
    for (uint32_t col = 0; col < state->column_count; col++) {
        if (col > 0) TRY(out_byte(state, state->opt.delim));
        const char *name = state->column_names[col];
        if (state->opt.format == COPY_FORMAT_CSV) {
            TRY(csv_value(state, name, strlen(name), false));
        } else {
            TRY(text_value(state, name, strlen(name)));
        }
    }
    return out_byte(state, '\n');
}

/* chunk_text: the text form of every column of the current chunk. */
static Error *chunk_text(CopyState *state)
{
    DataChunk *chunk = state->out_chunk;
    arena_reset(state->out_arena);
    KernCtx kctx = {.arena = state->out_arena, .dt = state->ctx.dt};
    uint32_t count = chunk_live_count(chunk);
    for (uint32_t col = 0; col < state->column_count; col++) {
        const Vector *column = &chunk->columns[col];
        Vector *out = &state->out_text[col];
        if (type_is_string(column->type.id)) {
            *out = *column;
            continue;
        }
        KernFn fn = NULL;
        if (column->type.id == TYPE_BOOL) fn = kern_out_bool;
        else TRY(kern_cast_lookup(column->type, type_plain(TYPE_TEXT), &fn));
        if (fn == NULL) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "no output function for type %s",
                           type_name(column->type.id));
        }
        vec_init(out, type_plain(TYPE_TEXT), state->out_arena);
        const Vector *args[1] = {column};
        TRY(fn(&kctx, args, chunk->sel, count, out));
    }
    return NULL;
}

static Error *binary_value(CopyState *state, const Vector *column, uint32_t slot)
{
    uint8_t buf[16];
    size_t size = 0;
    switch (column->type.id) {
    case TYPE_BOOL:
        buf[0] = vec_bool(column)[slot] ? 1 : 0;
        size = 1;
        break;
    case TYPE_INT2:
        enc_u16be(buf, (uint16_t)vec_i16(column)[slot]);
        size = 2;
        break;
    case TYPE_INT4:
    case TYPE_DATE:
        enc_u32be(buf, (uint32_t)vec_i32(column)[slot]);
        size = 4;
        break;
    case TYPE_OID:
        enc_u32be(buf, (uint32_t)vec_i64(column)[slot]);
        size = 4;
        break;
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        enc_u64be(buf, (uint64_t)vec_i64(column)[slot]);
        size = 8;
        break;
    case TYPE_FLOAT4: {
        uint32_t bits;
        memcpy(&bits, &vec_f32(column)[slot], 4);
        enc_u32be(buf, bits);
        size = 4;
        break;
    }
    case TYPE_FLOAT8: {
        uint64_t bits;
        memcpy(&bits, &vec_f64(column)[slot], 8);
        enc_u64be(buf, bits);
        size = 8;
        break;
    }
    case TYPE_INTERVAL: {
        const DtInterval *value = &((const DtInterval *)column->data)[slot];
        enc_u64be(buf, (uint64_t)value->time);
        enc_u32be(buf + 8, (uint32_t)value->day);
        enc_u32be(buf + 12, (uint32_t)value->month);
        size = 16;
        break;
    }
    case TYPE_NUMERIC: {
        Numeric num;
        TRY(vec_numeric_get(column, slot, state->out_arena, &num));
        size_t need = numeric_pg_binary_size(&num);
        uint8_t len[4];
        enc_u32be(len, (uint32_t)need);
        TRY(out_bytes(state, len, 4));
        TRY(out_room(state, need));
        numeric_to_pg_binary(&num, (uint8_t *)state->out_buf + state->out_size);
        state->out_size += need;
        return NULL;
    }
    default:
        if (column->phys == VEC_PHYS_STR) {
            const StrView *view = &vec_str(column)[slot];
            bool jsonb = column->type.id == TYPE_JSONB;   /* types: jsonb_send's version byte */
            uint8_t len[5] = { 0, 0, 0, 0, 1 };
            enc_u32be(len, view->size + (jsonb ? 1 : 0));
            TRY(out_bytes(state, len, jsonb ? 5 : 4));
            return out_bytes(state, str_view_data(view), view->size);
        }
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "binary COPY format for type %s is not supported",
                       type_name(column->type.id));
    }
    uint8_t len[4];
    enc_u32be(len, (uint32_t)size);
    TRY(out_bytes(state, len, 4));
    return out_bytes(state, buf, size);
}

static Error *format_row(CopyState *state, uint32_t row)
{
    DataChunk *chunk = state->out_chunk;
    const CopyOptions *opt = &state->opt;
    if (opt->format == COPY_FORMAT_BINARY) {
        uint8_t count[2];
        enc_u16be(count, (uint16_t)state->column_count);
        TRY(out_bytes(state, count, 2));
        for (uint32_t col = 0; col < state->column_count; col++) {
            const Vector *column = &chunk->columns[col];
            if (vec_is_null(column, row)) {
                uint8_t minus[4] = {0xff, 0xff, 0xff, 0xff};
                TRY(out_bytes(state, minus, 4));
                continue;
            }
            TRY(binary_value(state, column, column->is_constant ? 0 : row));
        }
        return NULL;
    }
    for (uint32_t col = 0; col < state->column_count; col++) {
        if (col > 0) TRY(out_byte(state, opt->delim));
        const Vector *text = &state->out_text[col];
        if (vec_is_null(text, row) || vec_is_null(&chunk->columns[col], row)) {
            TRY(out_bytes(state, opt->null_str, opt->null_size));
            continue;
        }
        const StrView *view = &vec_str(text)[text->is_constant ? 0 : row];
        const char *data = str_view_data(view);
        if (opt->format == COPY_FORMAT_CSV) {
            bool force = opt->force_quote_all ||
                         (opt->force_quote != NULL && opt->force_quote[col]);
            TRY(csv_value(state, data, view->size, force));
        } else {
            TRY(text_value(state, data, view->size));
        }
    }
    return out_byte(state, '\n');
}

Error *copy_out_next(CopyState *state, bool *have_out)
{
    *have_out = false;
    state->out_size = 0;
    const CopyOptions *opt = &state->opt;
    if (!state->out_started) {
        state->out_started = true;
        if (opt->format == COPY_FORMAT_BINARY) {
            uint8_t header[19];
            memcpy(header, BINARY_SIGNATURE, 11);
            enc_u32be(header + 11, 0);
            enc_u32be(header + 15, 0);
            TRY(out_bytes(state, header, sizeof header));
            *have_out = true;
            return NULL;
        }
        if (opt->header) {
            TRY(header_row(state));
            *have_out = true;
            return NULL;
        }
    }
    for (;;) {
        DataChunk *chunk = state->out_chunk;
        if (chunk != NULL && state->out_live < chunk_live_count(chunk)) {
            uint32_t live = state->out_live++;
            uint32_t row = chunk->sel != NULL ? chunk->sel[live] : live;
            TRY(format_row(state, row));
            state->rows++;
            *have_out = true;
            return NULL;
        }
        if (state->out_finished) return NULL;
        chunk = NULL;
        TRY(exec_next(state->query, &chunk));
        state->out_chunk = chunk;
        state->out_live = 0;
        if (chunk == NULL) {
            state->out_finished = true;
            if (opt->format == COPY_FORMAT_BINARY) {
                uint8_t trailer[2] = {0xff, 0xff};
                TRY(out_bytes(state, trailer, 2));
                *have_out = true;
            }
            return NULL;
        }
        if (opt->format != COPY_FORMAT_BINARY) TRY(chunk_text(state));
    }
}
