/* executor/copy_in.c: COPY FROM: parsing PostgreSQL's text, CSV and binary COPY formats into
 * batches of up to VEC_VALUE_COUNT_MAX rows, and the insert path they go through.
 *
 * The INSERT plan (copy.c's insert_sql) is built once; its VALUES operator is replaced by a
 * CopySource. A batch is handed over by setting the source's chunk and pulling the insert
 * operator: it writes the chunk, asks the source again and gets COPY_YIELD, a static Error
 * that unwinds the pull back to copy_in_flush (the insert operator keeps its state: it resets
 * its batch arena at the top of every loop). At the end the source answers NULL and the insert
 * finishes.
 *
 * Input is buffered (state->in) only until a record is complete: records may be split
 * anywhere by the caller (text lines, CSV quoted values across lines, binary tuples). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/numeric.h"
#include "executor/copy_int.h"
#include "executor/kern_array.h"
#include "parser/parse.h"
#include "planner/planner.h"

enum { COPY_BATCH_ARENA_SIZE = 256 * 1024, COPY_LINE_SHOW_MAX = 200 };

static Error COPY_YIELD = {
    .state = SQLSTATE_INTERNAL_ERROR,
    .message = (char *)"COPY source yielded",
    .is_static = 1,
};

static const char BINARY_SIGNATURE[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r',
                                          '\n', '\0'};

struct CopySource {
    Op        base;
    DataChunk chunk;
    bool      has_chunk;
    bool      eof;
};

static Error *source_open(Op *op)
{
    (void)op;
    return NULL;
}

static Error *source_next(Op *op, DataChunk **chunk_out)
{
    CopySource *source = (CopySource *)op;
    *chunk_out = NULL;
    if (source->has_chunk) {
        source->has_chunk = false;
        *chunk_out = &source->chunk;
        return NULL;
    }
    if (source->eof) return NULL;
    return &COPY_YIELD;
}

static Error *source_rescan(Op *op)
{
    (void)op;
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "a COPY source cannot rescan");
}

static void source_close(Op *op) { (void)op; }

static const OpVtbl SOURCE_VTBL = {
    .name = "CopySource",
    .open = source_open,
    .next = source_next,
    .rescan = source_rescan,
    .close = source_close,
};

/* ------------------------------------------------------------------ setup ---- */

static const Plan *find_values(const Plan *plan)
{
    for (int depth = 0; plan != NULL && depth < 16; depth++) {
        if (plan->kind == PLAN_VALUES) return plan;
        if (plan->right != NULL) return NULL;
        plan = plan->left;
    }
    return NULL;
}

static Error *batch_init(CopyState *state)
{
    arena_reset(state->batch_arena);
    state->batch_rows = 0;
    bool binary = state->opt.format == COPY_FORMAT_BINARY;
    for (uint32_t col = 0; col < state->column_count; col++) {
        Vector *vec = &state->batch[col];
        vec_init(vec, binary ? state->source_types[col] : type_plain(TYPE_TEXT),
                 state->batch_arena);
        TRY(vec_reserve(vec, VEC_VALUE_COUNT_MAX));
    }
    return NULL;
}

Error *copy_in_begin(CopyState *state, const char *sql)
{
    birch_db *db = state->db;
    if (state->column_count == 0) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY FROM needs at least one column");
    }
    AstStmtList *list = NULL;
    TRY(parse_sql(state->arena, sql, &list));
    if (list->count != 1) return err_new(SQLSTATE_INTERNAL_ERROR, "COPY: bad insert statement");
    PlanCtx plan_ctx = {
        .arena = state->arena,
        .catalog = engine_catalog(db->engine),
        .txn = db->txn,
        .search_path = db->search_path,
        .search_path_count = db->search_path_count,
        .resolver = exec_resolver(),
        .sql = sql,
    };
    PlannedStmt *planned = NULL;
    TRY(plan_statement(&plan_ctx, list->stmts[0], &planned));
    const Plan *values = find_values(planned->root);
    if (values == NULL || values->column_count != state->column_count) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "COPY: unexpected insert plan");
    }
    TRY(sess_lock_tables(db, planned));
    state->ctx.planned = planned;
    state->source_types = values->types;
    Op *root = NULL;
    TRY(exec_build(&state->ctx, planned->root, &root));
    state->insert = root;
    Op *parent = root;
    while (parent->left != NULL && parent->left->plan != values) parent = parent->left;
    if (parent->left == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "COPY: no VALUES operator");
    CopySource *source = arena_calloc(state->arena, sizeof *source);
    if (source == NULL) return copy_oom();
    source->base = (Op){.vt = &SOURCE_VTBL, .plan = values, .ctx = &state->ctx,
                        .column_count = values->column_count, .types = values->types};
    exec_close(parent->left);
    parent->left = &source->base;
    state->source = source;
    TRY(exec_open(root));
    state->batch_arena = arena_create(COPY_BATCH_ARENA_SIZE);
    state->batch = arena_calloc(state->arena, state->column_count * sizeof(Vector));
    state->batch_lines = arena_calloc(state->arena, VEC_VALUE_COUNT_MAX * sizeof(uint64_t));
    if (state->batch_arena == NULL || state->batch == NULL || state->batch_lines == NULL) {
        return copy_oom();
    }
    return batch_init(state);
}

void copy_in_close(CopyState *state)
{
    if (state->insert != NULL) exec_close(state->insert);
    state->insert = NULL;
    state->source = NULL;
}

/* ------------------------------------------------------------------ flush ---- */

static void show_text(const char *text, size_t size, char *out, size_t out_size)
{
    size_t keep = size < out_size - 4 ? size : out_size - 4;
    memcpy(out, text, keep);
    out[keep] = '\0';
    if (keep < size) strcat(out, "...");
}

/* cast_column: the text vector col of the batch as the source type; a failing value is
 * found row by row for the error context. */
static Error *cast_column(CopyState *state, uint32_t col, Vector *out)
{
    Vector *text = &state->batch[col];
    Type type = state->source_types[col];
    if (type_is_string(type.id)) {
        *out = *text;
        out->type = type;
        return NULL;
    }
    KernFn fn = NULL;
    TRY(kern_cast_lookup(type_plain(TYPE_TEXT), type, &fn));
    if (fn == NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY cannot read values of type %s",
                       type_name(type.id));
    }
    KernCtx kctx = {.arena = state->batch_arena, .dt = state->ctx.dt};
    const Vector *args[1] = {text};
    vec_init(out, type, state->batch_arena);
    Error *err = fn(&kctx, args, NULL, state->batch_rows, out);
    if (err == NULL) return NULL;
    if (err->state == SQLSTATE_OUT_OF_MEMORY) return err;
    /* which row: the first one failing on its own */
    for (uint32_t row = 0; row < state->batch_rows; row++) {
        uint16_t sel[1] = {(uint16_t)row};
        Vector one;
        vec_init(&one, type, state->batch_arena);
        Error *row_err = fn(&kctx, args, sel, 1, &one);
        if (row_err == NULL) continue;
        err_free(err);
        const StrView *view = &vec_str(text)[row];
        char shown[COPY_LINE_SHOW_MAX];
        show_text(str_view_data(view), view->size, shown, sizeof shown);
        return copy_context(row_err, "COPY %s, line %llu, column %s: \"%s\"", state->rel_name,
                            (unsigned long long)state->batch_lines[row],
                            state->column_names[col], shown);
    }
    return err;
}

static Error *copy_in_flush(CopyState *state)
{
    if (state->batch_rows == 0) return NULL;
    CopySource *source = state->source;
    DataChunk *chunk = &source->chunk;
    *chunk = (DataChunk){.column_count = state->column_count, .row_count = state->batch_rows,
                         .arena = state->batch_arena};
    chunk->columns = arena_alloc(state->batch_arena, state->column_count * sizeof(Vector));
    if (chunk->columns == NULL) return copy_oom();
    for (uint32_t col = 0; col < state->column_count; col++) {
        if (state->opt.format == COPY_FORMAT_BINARY) {
            chunk->columns[col] = state->batch[col];
        } else {
            TRY(cast_column(state, col, &chunk->columns[col]));
        }
    }
    source->has_chunk = true;
    uint64_t before = state->ctx.changes;
    DataChunk *out = NULL;
    Error *err = exec_next(state->insert, &out);
    if (err == &COPY_YIELD) err = NULL;
    else if (err == NULL) err = err_new(SQLSTATE_INTERNAL_ERROR, "COPY: insert ended early");
    if (err != NULL) {
        uint64_t failed = state->ctx.changes - before;
        if (failed < state->batch_rows && err->state != SQLSTATE_OUT_OF_MEMORY &&
            err->state != SQLSTATE_QUERY_CANCELED) {
            err = copy_context(err, "COPY %s, line %llu", state->rel_name,
                               (unsigned long long)state->batch_lines[failed]);
        }
        return err;
    }
    source->has_chunk = false;
    return batch_init(state);
}

/* ------------------------------------------------------------------ records ---- */

typedef struct Field {
    const char *data;      /* in the input, or NULL: at off in field_buf */
    size_t      off;
    size_t      size;
    bool        is_null;
    bool        quoted;
} Field;

static Error *field_append(CopyState *state, size_t *size, const char *data, size_t count)
{
    TRY(copy_buf_room(&state->field_buf, &state->field_cap, *size + count + 1));
    memcpy(state->field_buf + *size, data, count);
    *size += count;
    return NULL;
}

static Error *line_context(CopyState *state, Error *err, const char *line, size_t size)
{
    char shown[COPY_LINE_SHOW_MAX];
    show_text(line, size, shown, sizeof shown);
    return copy_context(err, "COPY %s, line %llu: \"%s\"", state->rel_name,
                        (unsigned long long)state->line_no, shown);
}

/* utf8_check: PostgreSQL's 22021 for the first byte sequence of data that is not UTF-8 (or
 * a NUL byte). */
static Error *utf8_check(CopyState *state, const char *data, size_t size)
{
    const unsigned char *bytes = (const unsigned char *)data;
    size_t idx = 0;
    while (idx < size) {
        unsigned char c = bytes[idx];
        if (c >= 0x01 && c < 0x80) {
            idx++;
            continue;
        }
        size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        bool valid = len > 0 && idx + len <= size;
        for (size_t k = 1; valid && k < len; k++) valid = (bytes[idx + k] & 0xc0) == 0x80;
        if (valid && len == 3) {
            unsigned char n = bytes[idx + 1];
            if ((c == 0xe0 && n < 0xa0) || (c == 0xed && n > 0x9f)) valid = false;
        }
        if (valid && len == 4) {
            unsigned char n = bytes[idx + 1];
            if ((c == 0xf0 && n < 0x90) || (c == 0xf4 && n > 0x8f)) valid = false;
        }
        if (!valid) {
            char shown[32] = "";
            size_t show = idx + 4 <= size ? 4 : size - idx;
            if (len > 0 && len < show) show = len;
            for (size_t k = 0; k < show; k++) {
                snprintf(shown + strlen(shown), sizeof shown - strlen(shown), "%s0x%02x",
                         k > 0 ? " " : "", bytes[idx + k]);
            }
            return copy_context(err_new(SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE,
                                        "invalid byte sequence for encoding \"UTF8\": %s",
                                        shown),
                                "COPY %s, line %llu", state->rel_name,
                                (unsigned long long)state->line_no);
        }
        idx += len;
    }
    return NULL;
}

/* store_row: fields (column_count of them) into the batch. */
static Error *store_row(CopyState *state, const Field *fields)
{
    uint32_t row = state->batch_rows;
    for (uint32_t col = 0; col < state->column_count; col++) {
        const Field *field = &fields[col];
        Vector *vec = &state->batch[col];
        if (field->is_null) {
            TRY(vec_set_null(vec, row));
            continue;
        }
        const char *data = field->data != NULL ? field->data : state->field_buf + field->off;
        TRY(vec_str_set(vec, row, data, (uint32_t)field->size));
    }
    state->batch_lines[row] = state->line_no;
    state->batch_rows++;
    if (state->batch_rows == VEC_VALUE_COUNT_MAX) TRY(copy_in_flush(state));
    return NULL;
}

static Error *header_check(CopyState *state, const Field *fields, uint32_t count)
{
    if (!state->opt.header_match) return NULL;
    if (count != state->column_count) {
        return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                       "wrong number of fields in header line: got %u, expected %u", count,
                       state->column_count);
    }
    for (uint32_t col = 0; col < count; col++) {
        const Field *field = &fields[col];
        const char *data = field->data != NULL ? field->data : state->field_buf + field->off;
        const char *want = state->column_names[col];
        if (field->is_null) {
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                           "column name mismatch in header line field %u: got null value "
                           "(\"%s\"), expected \"%s\"", col + 1, state->opt.null_str, want);
        }
        if (strlen(want) != field->size || memcmp(want, data, field->size) != 0) {
            char got[COPY_LINE_SHOW_MAX];
            show_text(data, field->size, got, sizeof got);
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                           "column name mismatch in header line field %u: got \"%s\", "
                           "expected \"%s\"", col + 1, got, want);
        }
    }
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* text_unescape: PostgreSQL's text-format backslash escapes of raw into field_buf. */
static Error *text_unescape(CopyState *state, const char *raw, size_t size, size_t *buf_size,
                            Field *field)
{
    field->data = NULL;
    field->off = *buf_size;
    size_t idx = 0;
    while (idx < size) {
        const char *slash = memchr(raw + idx, '\\', size - idx);
        size_t plain = slash != NULL ? (size_t)(slash - (raw + idx)) : size - idx;
        TRY(field_append(state, buf_size, raw + idx, plain));
        idx += plain;
        if (slash == NULL || idx + 1 >= size) {
            if (idx < size) TRY(field_append(state, buf_size, raw + idx, size - idx));
            break;
        }
        char c = raw[idx + 1];
        idx += 2;
        char out;
        if (c >= '0' && c <= '7') {
            int value = c - '0';
            for (int digits = 1; digits < 3 && idx < size && raw[idx] >= '0' && raw[idx] <= '7';
                 digits++) {
                value = value * 8 + (raw[idx++] - '0');
            }
            out = (char)(value & 0xff);
        } else if (c == 'x' && idx < size && hex_value(raw[idx]) >= 0) {
            int value = hex_value(raw[idx++]);
            if (idx < size && hex_value(raw[idx]) >= 0) value = value * 16 + hex_value(raw[idx++]);
            out = (char)value;
        } else {
            switch (c) {
            case 'b': out = '\b'; break;
            case 'f': out = '\f'; break;
            case 'n': out = '\n'; break;
            case 'r': out = '\r'; break;
            case 't': out = '\t'; break;
            case 'v': out = '\v'; break;
            default: out = c; break;
            }
        }
        TRY(field_append(state, buf_size, &out, 1));
    }
    field->size = *buf_size - field->off;
    return NULL;
}

/* text_line: one line of the text format (without its line end). */
static Error *text_line(CopyState *state, const char *line, size_t size, Field *fields,
                        uint32_t field_cap, bool header)
{
    const CopyOptions *opt = &state->opt;
    size_t buf_size = 0;
    uint32_t count = 0;
    size_t pos = 0;
    char delim = opt->delim;
    for (;;) {
        size_t start = pos;
        bool escaped = false;
        while (pos < size) {
            char c = line[pos];
            if (c == delim) break;
            if (c == '\\') {
                escaped = true;
                pos += pos + 1 < size ? 2 : 1;
                continue;
            }
            pos++;
        }
        if (count == field_cap) {
            if (header) {
                count++;
            } else {
                return line_context(state, err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                                   "extra data after last expected column"),
                                    line, size);
            }
        } else {
            Field *field = &fields[count++];
            size_t raw_size = pos - start;
            *field = (Field){.data = line + start, .size = raw_size};
            if (raw_size == opt->null_size && memcmp(line + start, opt->null_str, raw_size) == 0) {
                field->is_null = true;
            } else if (escaped) {
                TRY(text_unescape(state, line + start, raw_size, &buf_size, field));
            }
        }
        if (pos >= size) break;
        pos++;   /* the delimiter */
    }
    if (header) return header_check(state, fields, count);
    if (count < state->column_count) {
        return line_context(state, err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                           "missing data for column \"%s\"",
                                           state->column_names[count]),
                            line, size);
    }
    return store_row(state, fields);
}

static Error *parse_text(CopyState *state, bool eof, Field *fields)
{
    while (state->in_pos < state->in_size && !state->got_end_marker) {
        const char *start = (const char *)state->in + state->in_pos;
        size_t avail = state->in_size - state->in_pos;
        const char *newline = memchr(start, '\n', avail);
        size_t size;
        size_t consumed;
        if (newline != NULL) {
            size = (size_t)(newline - start);
            consumed = size + 1;
        } else {
            if (!eof) break;
            size = avail;
            consumed = avail;
        }
        state->in_pos += consumed;
        if (size > 0 && start[size - 1] == '\r') size--;
        state->line_no++;
        if (size >= 2 && start[0] == '\\' && start[1] == '.') {
            if (size != 2) {
                return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT, "end-of-copy marker corrupt");
            }
            state->got_end_marker = true;
            break;
        }
        TRY(utf8_check(state, start, size));
        if (state->opt.header && !state->header_done) {
            state->header_done = true;
            TRY(text_line(state, start, size, fields, state->column_count, true));
            continue;
        }
        TRY(text_line(state, start, size, fields, state->column_count, false));
    }
    return NULL;
}

/* csv_record: one CSV record from the input at in_pos; *complete_out false when more data is
 * needed (nothing consumed). */
static Error *csv_record(CopyState *state, bool eof, Field *fields, bool header,
                         bool *complete_out)
{
    const CopyOptions *opt = &state->opt;
    const char *in = (const char *)state->in;
    size_t end = state->in_size;
    size_t pos = state->in_pos;
    size_t buf_size = 0;
    uint32_t count = 0;
    uint64_t lines = 1;
    bool extra = false;
    *complete_out = false;
    /* the end marker: a line of just \. */
    if (end - pos >= 2 && in[pos] == '\\' && in[pos + 1] == '.') {
        size_t after = pos + 2;
        if (after < end && in[after] == '\r') after++;
        if (after == end && !eof) return NULL;
        if (after == end || in[after] == '\n') {
            state->in_pos = after < end ? after + 1 : after;
            state->got_end_marker = true;
            *complete_out = true;
            return NULL;
        }
    }
    size_t record_start = pos;
    for (;;) {
        /* one field */
        size_t field_start = pos;
        size_t off = buf_size;
        bool quoted = false, in_quote = false;
        bool record_end = false;
        for (;;) {
            if (pos == end) {
                if (!eof) return NULL;
                if (in_quote) {
                    state->line_no += lines;
                    return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                   "unterminated CSV quoted field");
                }
                record_end = true;
                break;
            }
            char c = in[pos];
            if (in_quote) {
                if (c == opt->escape) {
                    if (pos + 1 == end && !eof) return NULL;
                    if (pos + 1 < end && (in[pos + 1] == opt->quote || in[pos + 1] == opt->escape)) {
                        TRY(field_append(state, &buf_size, in + pos + 1, 1));
                        pos += 2;
                        continue;
                    }
                }
                if (c == opt->quote) {
                    in_quote = false;
                    pos++;
                    continue;
                }
                if (c == '\n') lines++;
                TRY(field_append(state, &buf_size, &c, 1));
                pos++;
                continue;
            }
            if (c == opt->delim) break;
            if (c == '\n' || c == '\r') {
                record_end = true;
                break;
            }
            if (c == opt->quote) {
                quoted = true;
                in_quote = true;
                pos++;
                continue;
            }
            TRY(field_append(state, &buf_size, &c, 1));
            pos++;
        }
        size_t raw_size = pos - field_start;
        if (count < state->column_count) {
            Field *field = &fields[count];
            *field = (Field){.data = NULL, .off = off, .size = buf_size - off, .quoted = quoted};
            bool matches = !quoted && raw_size == opt->null_size &&
                           memcmp(in + field_start, opt->null_str, raw_size) == 0;
            bool quoted_match = quoted && field->size == opt->null_size &&
                                memcmp(state->field_buf != NULL ? state->field_buf + off : "",
                                       opt->null_str, field->size) == 0;
            if (matches && !(opt->force_not_null != NULL && opt->force_not_null[count])) {
                field->is_null = true;
            }
            if (quoted_match && opt->force_null != NULL && opt->force_null[count]) {
                field->is_null = true;
            }
            if (matches && opt->force_null != NULL && opt->force_null[count]) {
                field->is_null = true;
            }
        } else {
            extra = true;
        }
        count++;
        if (record_end) break;
        pos++;   /* the delimiter */
    }
    /* the line end */
    size_t record_size = pos - record_start;
    if (pos < end && in[pos] == '\r') {
        if (pos + 1 == end && !eof) return NULL;
        pos++;
        if (pos < end && in[pos] == '\n') pos++;
    } else if (pos < end && in[pos] == '\n') {
        pos++;
    }
    state->in_pos = pos;
    state->line_no += lines;
    *complete_out = true;
    TRY(utf8_check(state, in + record_start, record_size));
    if (header) {
        state->header_done = true;
        if (!state->opt.header_match) return NULL;
        if (extra) {
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                           "wrong number of fields in header line: got %u, expected %u", count,
                           state->column_count);
        }
        return header_check(state, fields, count);
    }
    if (extra) {
        return line_context(state, err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                           "extra data after last expected column"),
                            in + record_start, record_size);
    }
    if (count < state->column_count) {
        return line_context(state, err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                           "missing data for column \"%s\"",
                                           state->column_names[count]),
                            in + record_start, record_size);
    }
    return store_row(state, fields);
}

static Error *parse_csv(CopyState *state, bool eof, Field *fields)
{
    while (state->in_pos < state->in_size && !state->got_end_marker) {
        bool complete = false;
        bool header = state->opt.header && !state->header_done;
        TRY(csv_record(state, eof, fields, header, &complete));
        if (!complete) break;
    }
    return NULL;
}

/* ------------------------------------------------------------------ binary ---- */

static Error *binary_error(CopyState *state, uint32_t col)
{
    return copy_context(err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION,
                                "incorrect binary data format"),
                        "COPY %s, line %llu, column %s", state->rel_name,
                        (unsigned long long)state->line_no, state->column_names[col]);
}

static Error *binary_value(CopyState *state, uint32_t col, const uint8_t *data, size_t size)
{
    Vector *vec = &state->batch[col];
    Error  *err = NULL;
    if (vec->phys == VEC_PHYS_ARRAY) err = kern_array_check_binary(vec->type, data, size);
    if (err == NULL) err = vec_binary_set(vec, state->batch_rows, data, size);
    if (err == NULL || err->state == SQLSTATE_FEATURE_NOT_SUPPORTED ||
        err->state == SQLSTATE_OUT_OF_MEMORY) {
        return err == NULL ? NULL
                           : copy_context(err, "COPY %s, line %llu, column %s", state->rel_name,
                                          (unsigned long long)state->line_no,
                                          state->column_names[col]);
    }
    err_free(err);   /* a wrong size or bad numeric bytes */
    return binary_error(state, col);
}

static Error *parse_binary(CopyState *state, bool eof)
{
    const uint8_t *in = state->in;
    size_t end = state->in_size;
    if (!state->binary_header_done) {
        size_t pos = state->in_pos;
        if (end - pos < 19) {
            if (!eof) return NULL;
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                           end - pos >= 11 && memcmp(in + pos, BINARY_SIGNATURE, 11) == 0
                               ? "invalid COPY file header (missing flags)"
                               : "COPY file signature not recognized");
        }
        if (memcmp(in + pos, BINARY_SIGNATURE, 11) != 0) {
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT, "COPY file signature not recognized");
        }
        uint32_t flags = dec_u32be(in + pos + 11);
        if ((flags & (1u << 16)) != 0) {
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT, "invalid COPY file header (WITH OIDS)");
        }
        if ((flags & 0xfffe0000u) != 0) {
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                           "unrecognized critical flags in COPY file header");
        }
        int32_t ext = (int32_t)dec_u32be(in + pos + 15);
        if (ext < 0) {
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                           "invalid COPY file header (missing length)");
        }
        if (end - pos - 19 < (size_t)ext) {
            if (!eof) return NULL;
            return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT, "invalid COPY file header (wrong length)");
        }
        state->in_pos = pos + 19 + (size_t)ext;
        state->binary_header_done = true;
    }
    while (state->in_pos < end && !state->binary_trailer) {
        size_t pos = state->in_pos;
        if (end - pos < 2) break;
        int16_t count = (int16_t)dec_u16be(in + pos);
        if (count == -1) {
            state->binary_trailer = true;
            state->in_pos = end;   /* anything after the trailer is ignored */
            break;
        }
        state->line_no++;
        if (count != (int16_t)state->column_count) {
            return copy_context(err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                        "row field count is %d, expected %u", count,
                                        state->column_count),
                                "COPY %s, line %llu", state->rel_name,
                                (unsigned long long)state->line_no);
        }
        /* complete? */
        size_t scan = pos + 2;
        bool complete = true;
        for (uint32_t col = 0; col < state->column_count; col++) {
            if (end - scan < 4) {
                complete = false;
                break;
            }
            int32_t size = (int32_t)dec_u32be(in + scan);
            scan += 4;
            if (size < -1) {
                return copy_context(err_new(SQLSTATE_BAD_COPY_FILE_FORMAT,
                                            "invalid field size"),
                                    "COPY %s, line %llu, column %s", state->rel_name,
                                    (unsigned long long)state->line_no,
                                    state->column_names[col]);
            }
            if (size > 0) {
                if (end - scan < (size_t)size) {
                    complete = false;
                    break;
                }
                scan += (size_t)size;
            }
        }
        if (!complete) {
            state->line_no--;
            break;
        }
        scan = pos + 2;
        for (uint32_t col = 0; col < state->column_count; col++) {
            int32_t size = (int32_t)dec_u32be(in + scan);
            scan += 4;
            if (size == -1) {
                TRY(vec_set_null(&state->batch[col], state->batch_rows));
                continue;
            }
            vec_set_valid(&state->batch[col], state->batch_rows);
            TRY(binary_value(state, col, in + scan, (size_t)size));
            scan += (size_t)size;
        }
        state->in_pos = scan;
        state->batch_lines[state->batch_rows] = state->line_no;
        state->batch_rows++;
        if (state->batch_rows == VEC_VALUE_COUNT_MAX) TRY(copy_in_flush(state));
    }
    if (eof && state->in_pos < end && !state->binary_trailer) {
        return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT, "unexpected EOF in COPY data");
    }
    return NULL;
}

/* ------------------------------------------------------------------ feed ---- */

static Error *parse_input(CopyState *state, bool eof)
{
    Error *err = NULL;
    if (state->opt.format == COPY_FORMAT_BINARY) {
        err = parse_binary(state, eof);
    } else {
        Field *fields = calloc(state->column_count + 1, sizeof *fields);
        if (fields == NULL) return copy_oom();
        err = state->opt.format == COPY_FORMAT_CSV ? parse_csv(state, eof, fields)
                                                   : parse_text(state, eof, fields);
        free(fields);
    }
    /* drop the consumed bytes */
    if (state->in_pos > 0) {
        size_t rest = state->in_size - state->in_pos;
        if (rest > 0) memmove(state->in, state->in + state->in_pos, rest);
        state->in_size = rest;
        state->in_pos = 0;
    }
    return err;
}

Error *copy_in_feed(CopyState *state, const void *data, size_t size)
{
    if (state->got_end_marker || state->binary_trailer) return NULL;   /* ignored, as PG does */
    if (size == 0) return NULL;
    char *buf = (char *)state->in;
    TRY(copy_buf_room(&buf, &state->in_cap, state->in_size + size));
    state->in = (uint8_t *)buf;
    memcpy(state->in + state->in_size, data, size);
    state->in_size += size;
    return parse_input(state, false);
}

Error *copy_in_finish(CopyState *state)
{
    if (!state->got_end_marker && !state->binary_trailer) TRY(parse_input(state, true));
    if (state->opt.format == COPY_FORMAT_BINARY && !state->binary_header_done) {
        return err_new(SQLSTATE_BAD_COPY_FILE_FORMAT, "COPY file signature not recognized");
    }
    TRY(copy_in_flush(state));
    state->source->eof = true;
    DataChunk *out = NULL;
    for (;;) {
        Error *err = exec_next(state->insert, &out);
        if (err == &COPY_YIELD) return err_new(SQLSTATE_INTERNAL_ERROR, "COPY: source yielded at the end");
        TRY(err);
        if (out == NULL) break;
    }
    state->rows = state->ctx.changes;
    return NULL;
}
