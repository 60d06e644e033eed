/* tools/slt_run.c: parse one sqllogictest script and run it against one engine.
 *
 * The format is SQLite's (see tools/README.md): records separated by blank lines, '#' comment
 * lines, `skipif`/`onlyif ENGINE` prefixes, `statement ok|error`, `query TYPES [SORT] [LABEL]`,
 * `hash-threshold N`, `halt`, plus `loop VAR START COUNT` ... `endloop` (${VAR} substituted)
 * and our extension: `statement error` then `----` then the expected SQLSTATE.
 *
 * Values are rendered as SQLite's reference runner renders them: NULL as "NULL"; I as a 64-bit
 * integer (a non-integer is truncated toward zero, text without a leading number is 0, a
 * boolean is 1/0); R as "%.3f"; T as the text with "" shown as "(empty)" and every byte
 * outside ' '..'~' shown as '@'. Sorting is strcmp on the rendered values (rowsort: column by
 * column; valuesort: every value on its own). The hash is MD5 over every rendered value
 * followed by "\n", after sorting; queries sharing a label must hash alike.
 */
#include "slt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

enum {
    LOOP_DEPTH_MAX = 8,
    TOKEN_COUNT_MAX = 8,
    LABEL_COUNT_MAX = 1 << 16,
    REPORT_LINE_COUNT_MAX = 40,    /* expected/actual lines printed per failure */
    HASH_TEXT_SIZE = 96,
};

typedef struct Buf {
    char  *data;
    size_t size;
    size_t capacity;
} Buf;

static void buf_append(Buf *buf, const char *text, size_t size)
{
    if (buf->size + size + 1 > buf->capacity) {
        size_t capacity = buf->capacity == 0 ? 256 : buf->capacity;
        while (capacity < buf->size + size + 1) capacity *= 2;
        char *data = realloc(buf->data, capacity);
        if (data == NULL) {
            fprintf(stderr, "slt: out of memory\n");
            exit(2);
        }
        buf->data = data;
        buf->capacity = capacity;
    }
    memcpy(buf->data + buf->size, text, size);
    buf->size += size;
    buf->data[buf->size] = '\0';
}

static void buf_puts(Buf *buf, const char *text) { buf_append(buf, text, strlen(text)); }

static char *xstrdup(const char *text)
{
    char *copy = strdup(text);
    if (copy == NULL) {
        fprintf(stderr, "slt: out of memory\n");
        exit(2);
    }
    return copy;
}

static void *xcalloc(size_t count, size_t size)
{
    void *memory = calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
    if (memory == NULL) {
        fprintf(stderr, "slt: out of memory\n");
        exit(2);
    }
    return memory;
}

void slt_error_set(SltError *error, const char *sqlstate, const char *fmt, ...)
{
    snprintf(error->sqlstate, sizeof error->sqlstate, "%s", sqlstate == NULL ? "" : sqlstate);
    va_list args;
    va_start(args, fmt);
    vsnprintf(error->message, sizeof error->message, fmt, args);
    va_end(args);
}

void slt_rows_free(SltRows *rows)
{
    if (rows == NULL) return;
    size_t value_count = rows->row_count * (size_t)rows->column_count;
    if (rows->values != NULL) {
        for (size_t value_idx = 0; value_idx < value_count; value_idx++) {
            free(rows->values[value_idx]);
        }
    }
    free(rows->values);
    free(rows->column_types);
    *rows = (SltRows){0};
}

/* ---- the script: lines, loops ---- */

typedef struct Loop {
    char   name[256];
    long   value;
    long   end;                 /* exclusive */
    size_t body_line_idx;       /* the line after `loop` */
} Loop;

typedef struct Script {
    const SltRunOptions *options;
    char   *text;
    char  **lines;
    size_t  line_count;
    size_t  line_idx;           /* the next line to read */
    size_t  copied_line_idx;    /* --complete: lines before this are written already */
    Loop    loops[LOOP_DEPTH_MAX];
    int     loop_depth;
    Buf     line_buf;           /* the current line after ${var} substitution */
    long    hash_threshold;
    struct { char *name; char *hash; } *labels;
    size_t  label_count;
} Script;

static bool script_load(Script *script, const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "slt: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    Buf buf = {0};
    char chunk[65536];
    size_t size;
    while ((size = fread(chunk, 1, sizeof chunk, file)) > 0) buf_append(&buf, chunk, size);
    bool read_failed = ferror(file) != 0;
    fclose(file);
    if (read_failed) {
        fprintf(stderr, "slt: cannot read %s\n", path);
        free(buf.data);
        return false;
    }
    if (buf.data == NULL) buf_puts(&buf, "");
    size_t line_count = 1;
    for (size_t byte_idx = 0; byte_idx < buf.size; byte_idx++) {
        if (buf.data[byte_idx] == '\n') line_count++;
    }
    script->text = buf.data;
    script->lines = xcalloc(line_count, sizeof *script->lines);
    char *line = buf.data;
    for (;;) {
        char *newline = strchr(line, '\n');
        if (newline != NULL) *newline = '\0';
        size_t length = strlen(line);
        if (length > 0 && line[length - 1] == '\r') line[length - 1] = '\0';   /* CRLF files */
        script->lines[script->line_count++] = line;
        if (newline == NULL) break;
        line = newline + 1;
    }
    /* a final newline leaves one empty pseudo-line: drop it so --complete writes no extra */
    if (script->line_count > 1 && buf.size > 0 && script->lines[script->line_count - 1][0] == '\0'
        && script->lines[script->line_count - 1] == buf.data + buf.size) {
        script->line_count--;
    }
    return true;
}

/* peek_line: the line at line_idx with ${var} substituted, or NULL at the end. */
static const char *peek_line(Script *script)
{
    if (script->line_idx >= script->line_count) return NULL;
    const char *line = script->lines[script->line_idx];
    if (script->loop_depth == 0 || strstr(line, "${") == NULL) return line;
    script->line_buf.size = 0;
    buf_puts(&script->line_buf, "");
    const char *cursor = line;
    while (*cursor != '\0') {
        const char *start = strstr(cursor, "${");
        if (start == NULL) {
            buf_puts(&script->line_buf, cursor);
            break;
        }
        buf_append(&script->line_buf, cursor, (size_t)(start - cursor));
        const char *close = strchr(start, '}');
        bool replaced = false;
        if (close != NULL) {
            for (int depth_idx = script->loop_depth - 1; depth_idx >= 0 && !replaced; depth_idx--) {
                const Loop *loop = &script->loops[depth_idx];
                size_t name_size = (size_t)(close - start - 2);
                if (strlen(loop->name) == name_size && memcmp(loop->name, start + 2, name_size) == 0) {
                    char number[32];
                    snprintf(number, sizeof number, "%ld", loop->value);
                    buf_puts(&script->line_buf, number);
                    replaced = true;
                }
            }
        }
        if (!replaced) {
            buf_append(&script->line_buf, start, 2);
            cursor = start + 2;
        } else {
            cursor = close + 1;
        }
    }
    return script->line_buf.data;
}

static bool line_is_blank(const char *line)
{
    for (; *line != '\0'; line++) {
        if (!isspace((unsigned char)*line)) return false;
    }
    return true;
}

/* tokenize: split line at whitespace into at most TOKEN_COUNT_MAX tokens (copied into
 * storage); a token starting with '#' ends the line. */
static int tokenize(const char *line, char tokens[TOKEN_COUNT_MAX][256])
{
    int token_count = 0;
    while (token_count < TOKEN_COUNT_MAX) {
        while (isspace((unsigned char)*line)) line++;
        if (*line == '\0' || *line == '#') break;
        size_t size = 0;
        while (line[size] != '\0' && !isspace((unsigned char)line[size])) size++;
        if (size > 255) size = 255;
        memcpy(tokens[token_count], line, size);
        tokens[token_count][size] = '\0';
        token_count++;
        line += size;
        while (*line != '\0' && !isspace((unsigned char)*line)) line++;
    }
    return token_count;
}

/* ---- records ---- */

typedef enum RecordKind {
    RECORD_STATEMENT_OK,
    RECORD_STATEMENT_ERROR,
    RECORD_QUERY,
    RECORD_HASH_THRESHOLD,
    RECORD_HALT,
    RECORD_LOOP,
    RECORD_ENDLOOP,
    RECORD_UNKNOWN,
} RecordKind;

typedef struct Record {
    RecordKind kind;
    bool       skip;
    size_t     line_number;          /* 1-based, of the command line */
    size_t     command_line_idx;
    size_t     sql_first_line_idx;
    size_t     sql_end_line_idx;
    size_t     end_line_idx;         /* the line after the record */
    char       tokens[TOKEN_COUNT_MAX][256];
    int        token_count;
    Buf        sql;
    bool       has_separator;        /* a `----` line */
    char     **expected;
    size_t     expected_count;
} Record;

static void record_clear(Record *record)
{
    for (size_t line_idx = 0; line_idx < record->expected_count; line_idx++) {
        free(record->expected[line_idx]);
    }
    free(record->expected);
    free(record->sql.data);
    *record = (Record){0};
}

static bool condition_skips(const SltRunOptions *options, const char *directive, const char *engine)
{
    bool match = strcasecmp(engine, options->engine_label) == 0;
    return directive[0] == 's' ? match : !match;
}

/* next_record: parse the next record into *record (cleared first). false at the end. */
static bool next_record(Script *script, Record *record)
{
    record_clear(record);
    const char *line;
    for (;;) {                                        /* blank and comment lines between records */
        line = peek_line(script);
        if (line == NULL) return false;
        if (!line_is_blank(line) && line[0] != '#') break;
        script->line_idx++;
    }
    for (;;) {                                        /* skipif / onlyif prefixes */
        record->token_count = tokenize(line, record->tokens);
        bool is_condition = record->token_count >= 2 && (strcmp(record->tokens[0], "skipif") == 0
                                                        || strcmp(record->tokens[0], "onlyif") == 0);
        bool is_comment = line[0] == '#';
        if (!is_condition && !is_comment) break;
        if (is_condition && condition_skips(script->options, record->tokens[0], record->tokens[1])) {
            record->skip = true;
        }
        script->line_idx++;
        line = peek_line(script);
        if (line == NULL || line_is_blank(line)) {    /* conditions with nothing after them */
            record->kind = RECORD_UNKNOWN;
            record->token_count = 0;
            record->command_line_idx = record->end_line_idx = script->line_idx;
            record->line_number = script->line_idx;
            return true;
        }
    }
    record->command_line_idx = script->line_idx;
    record->line_number = script->line_idx + 1;
    const char *command = record->token_count > 0 ? record->tokens[0] : "";
    script->line_idx++;
    if (strcmp(command, "statement") == 0 || strcmp(command, "query") == 0) {
        if (command[0] == 'q') {
            record->kind = RECORD_QUERY;
        } else if (record->token_count >= 2 && strcmp(record->tokens[1], "ok") == 0) {
            record->kind = RECORD_STATEMENT_OK;
        } else if (record->token_count >= 2 && strcmp(record->tokens[1], "error") == 0) {
            record->kind = RECORD_STATEMENT_ERROR;
        } else {
            record->kind = RECORD_UNKNOWN;
        }
        record->sql_first_line_idx = script->line_idx;
        buf_puts(&record->sql, "");
        while ((line = peek_line(script)) != NULL && !line_is_blank(line)
               && strcmp(line, "----") != 0) {
            if (record->sql.size > 0) buf_puts(&record->sql, "\n");
            buf_puts(&record->sql, line);
            script->line_idx++;
        }
        record->sql_end_line_idx = script->line_idx;
        if (line != NULL && strcmp(line, "----") == 0) {
            record->has_separator = true;
            script->line_idx++;
            size_t capacity = 16;
            record->expected = xcalloc(capacity, sizeof *record->expected);
            while ((line = peek_line(script)) != NULL && !line_is_blank(line)) {
                if (record->expected_count == capacity) {
                    capacity *= 2;
                    char **grown = realloc(record->expected, capacity * sizeof *grown);
                    if (grown == NULL) {
                        fprintf(stderr, "slt: out of memory\n");
                        exit(2);
                    }
                    record->expected = grown;
                }
                record->expected[record->expected_count++] = xstrdup(line);
                script->line_idx++;
            }
        }
    } else if (strcmp(command, "hash-threshold") == 0) {
        record->kind = RECORD_HASH_THRESHOLD;
    } else if (strcmp(command, "halt") == 0) {
        record->kind = RECORD_HALT;
    } else if (strcmp(command, "loop") == 0) {
        record->kind = RECORD_LOOP;
    } else if (strcmp(command, "endloop") == 0) {
        record->kind = RECORD_ENDLOOP;
    } else {
        record->kind = RECORD_UNKNOWN;
        while ((line = peek_line(script)) != NULL && !line_is_blank(line)) script->line_idx++;
    }
    record->end_line_idx = script->line_idx;
    return true;
}

/* ---- rendering, sorting, hashing ---- */

static bool is_integer_text(const char *text)
{
    const char *cursor = text;
    if (*cursor == '-' || *cursor == '+') cursor++;
    if (!isdigit((unsigned char)*cursor)) return false;
    while (isdigit((unsigned char)*cursor)) cursor++;
    return *cursor == '\0';
}

static char *render_value(const char *text, uint32_t type_oid, char type_letter)
{
    char buffer[64];
    if (text == NULL) return xstrdup("NULL");
    bool is_bool = type_oid == SLT_TYPE_OID_BOOL;
    if (type_letter == 'I') {
        if (is_bool) return xstrdup(text[0] == 't' ? "1" : "0");
        if (is_integer_text(text)) {                     /* normalized: "-0", "+5", "007" */
            errno = 0;
            long long integer = strtoll(text, NULL, 10);
            if (errno == ERANGE) return xstrdup(text[0] == '+' ? text + 1 : text);
            snprintf(buffer, sizeof buffer, "%lld", integer);
            return xstrdup(buffer);
        }
        char *end;
        double number = strtod(text, &end);
        long long integer;
        if (end != text && *end == '\0') {               /* a whole number in another form */
            if (isnan(number)) integer = 0;
            else if (number >= 9223372036854775807.0) integer = INT64_MAX;
            else if (number <= -9223372036854775808.0) integer = INT64_MIN;
            else integer = (long long)number;            /* truncates toward zero, as C does */
        } else {
            integer = strtoll(text, NULL, 10);           /* SQLite: the leading integer, or 0 */
        }
        snprintf(buffer, sizeof buffer, "%lld", integer);
        return xstrdup(buffer);
    }
    if (type_letter == 'R') {
        double number = is_bool ? (text[0] == 't' ? 1.0 : 0.0) : strtod(text, NULL);
        snprintf(buffer, sizeof buffer, "%.3f", number);
        return xstrdup(buffer);
    }
    if (text[0] == '\0') return xstrdup("(empty)");
    char *copy = xstrdup(text);
    for (char *cursor = copy; *cursor != '\0'; cursor++) {
        if (*cursor < ' ' || *cursor > '~') *cursor = '@';
    }
    return copy;
}

static int sort_column_count;

static int compare_rows(const void *left, const void *right)
{
    char *const *left_row = *(char *const *const *)left;
    char *const *right_row = *(char *const *const *)right;
    for (int col_idx = 0; col_idx < sort_column_count; col_idx++) {
        int order = strcmp(left_row[col_idx], right_row[col_idx]);
        if (order != 0) return order;
    }
    return 0;
}

static int compare_values(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

/* sort_values: values (row_count rows of column_count) in place, per sort mode. */
static void sort_values(char **values, size_t row_count, int column_count, const char *mode)
{
    size_t value_count = row_count * (size_t)column_count;
    if (strcmp(mode, "valuesort") == 0) {
        qsort(values, value_count, sizeof *values, compare_values);
    } else if (strcmp(mode, "rowsort") == 0 && column_count > 0) {
        char ***rows = xcalloc(row_count, sizeof *rows);
        for (size_t row_idx = 0; row_idx < row_count; row_idx++) {
            rows[row_idx] = values + row_idx * (size_t)column_count;
        }
        sort_column_count = column_count;
        qsort(rows, row_count, sizeof *rows, compare_rows);
        char **sorted = xcalloc(value_count, sizeof *sorted);
        for (size_t row_idx = 0; row_idx < row_count; row_idx++) {
            memcpy(sorted + row_idx * (size_t)column_count, rows[row_idx],
                   (size_t)column_count * sizeof *sorted);
        }
        memcpy(values, sorted, value_count * sizeof *values);
        free(sorted);
        free(rows);
    }
}

/* hash_values: "N values hashing to MD5" into text. */
static void hash_values(char *const *values, size_t value_count, char text[HASH_TEXT_SIZE])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context == NULL || EVP_DigestInit_ex(context, EVP_md5(), NULL) != 1) {
        fprintf(stderr, "slt: MD5 unavailable from libcrypto\n");
        exit(2);
    }
    for (size_t value_idx = 0; value_idx < value_count; value_idx++) {
        EVP_DigestUpdate(context, values[value_idx], strlen(values[value_idx]));
        EVP_DigestUpdate(context, "\n", 1);
    }
    EVP_DigestFinal_ex(context, digest, &digest_size);
    EVP_MD_CTX_free(context);
    int offset = snprintf(text, HASH_TEXT_SIZE, "%zu values hashing to ", value_count);
    for (unsigned int byte_idx = 0; byte_idx < digest_size; byte_idx++) {
        offset += snprintf(text + offset, (size_t)(HASH_TEXT_SIZE - offset), "%02x",
                           digest[byte_idx]);
    }
}

/* ---- reporting ---- */

static void report_lines(FILE *out, const char *title, char *const *lines, size_t line_count)
{
    fprintf(out, "%s (%zu line%s):\n", title, line_count, line_count == 1 ? "" : "s");
    for (size_t line_idx = 0; line_idx < line_count && line_idx < REPORT_LINE_COUNT_MAX; line_idx++) {
        fprintf(out, "    %s\n", lines[line_idx]);
    }
    if (line_count > REPORT_LINE_COUNT_MAX) fprintf(out, "    ...\n");
}

static void report_failure(Script *script, const Record *record, const char *reason,
                           char *const *expected, size_t expected_count, char *const *actual,
                           size_t actual_count)
{
    FILE *out = script->options->failures;
    if (out == NULL) return;
    fprintf(out, "FAIL %s:%zu: %s\n", script->options->path, record->line_number, reason);
    fprintf(out, "  %s\n", script->lines[record->command_line_idx]);
    const char *sql = record->sql.data == NULL ? "" : record->sql.data;
    if (*sql != '\0') fprintf(out, "  sql:\n");
    while (*sql != '\0') {
        const char *newline = strchr(sql, '\n');
        size_t size = newline == NULL ? strlen(sql) : (size_t)(newline - sql);
        fprintf(out, "    %.*s\n", (int)size, sql);
        sql += size + (newline != NULL);
    }
    if (expected != NULL) report_lines(out, "  expected", expected, expected_count);
    if (actual != NULL) report_lines(out, "  actual", actual, actual_count);
    fflush(out);
}

/* ---- running records ---- */

static void complete_copy_until(Script *script, size_t line_idx)
{
    FILE *out = script->options->complete_out;
    for (; script->copied_line_idx < line_idx; script->copied_line_idx++) {
        fprintf(out, "%s\n", script->lines[script->copied_line_idx]);
    }
}

static void complete_write_sql(Script *script, const Record *record)
{
    FILE *out = script->options->complete_out;
    for (size_t line_idx = record->sql_first_line_idx; line_idx < record->sql_end_line_idx; line_idx++) {
        fprintf(out, "%s\n", script->lines[line_idx]);
    }
}

static bool run_statement(Script *script, const Record *record)
{
    const SltRunOptions *options = script->options;
    SltError error = {{0}, {0}};
    bool ok = options->engine->exec(options->conn, record->sql.data, NULL, &error);
    if (options->complete_out != NULL) {
        complete_copy_until(script, record->command_line_idx);
        fprintf(options->complete_out, "statement %s\n", ok ? "ok" : "error");
        complete_write_sql(script, record);
        if (!ok && error.sqlstate[0] != '\0') fprintf(options->complete_out, "----\n%s\n", error.sqlstate);
        script->copied_line_idx = record->end_line_idx;
        return true;
    }
    char reason[SLT_MESSAGE_SIZE + 128];
    if (record->kind == RECORD_STATEMENT_OK) {
        if (ok) return true;
        snprintf(reason, sizeof reason, "statement failed: %s: %s", error.sqlstate, error.message);
        report_failure(script, record, reason, NULL, 0, NULL, 0);
        return false;
    }
    if (ok) {
        report_failure(script, record, "statement succeeded, an error was expected", NULL, 0, NULL, 0);
        return false;
    }
    if (!record->has_separator || record->expected_count == 0) return true;
    if (strcmp(record->expected[0], error.sqlstate) == 0) return true;
    snprintf(reason, sizeof reason, "wrong SQLSTATE: expected %s, got %s: %s", record->expected[0],
             error.sqlstate, error.message);
    report_failure(script, record, reason, NULL, 0, NULL, 0);
    return false;
}

static char infer_type_letter(uint32_t type_oid)
{
    switch (type_oid) {
    case SLT_TYPE_OID_INT2: case SLT_TYPE_OID_INT4: case SLT_TYPE_OID_INT8: case SLT_TYPE_OID_OID:
        return 'I';
    case SLT_TYPE_OID_FLOAT4: case SLT_TYPE_OID_FLOAT8: case SLT_TYPE_OID_NUMERIC:
        return 'R';
    default:
        return 'T';
    }
}

static void complete_write_query(Script *script, const Record *record, const char *types,
                                 char *const *values, size_t value_count, const char *hash)
{
    FILE *out = script->options->complete_out;
    complete_copy_until(script, record->command_line_idx);
    fprintf(out, "query %s", types);
    for (int token_idx = 2; token_idx < record->token_count; token_idx++) {
        fprintf(out, " %s", record->tokens[token_idx]);
    }
    fprintf(out, "\n");
    complete_write_sql(script, record);
    fprintf(out, "----\n");
    if (script->hash_threshold > 0 && value_count > (size_t)script->hash_threshold) {
        fprintf(out, "%s\n", hash);
    } else {
        for (size_t value_idx = 0; value_idx < value_count; value_idx++) {
            fprintf(out, "%s\n", values[value_idx]);
        }
    }
    script->copied_line_idx = record->end_line_idx;
}

/* check_label: a labelled query's hash must equal the first one's with that label. */
static bool check_label(Script *script, const char *label, const char *hash, char *first_out,
                        size_t first_size)
{
    for (size_t label_idx = 0; label_idx < script->label_count; label_idx++) {
        if (strcmp(script->labels[label_idx].name, label) == 0) {
            snprintf(first_out, first_size, "%s", script->labels[label_idx].hash);
            return strcmp(script->labels[label_idx].hash, hash) == 0;
        }
    }
    if (script->label_count < LABEL_COUNT_MAX) {
        if (script->label_count % 64 == 0) {
            void *grown = realloc(script->labels, (script->label_count + 64) * sizeof *script->labels);
            if (grown == NULL) {
                fprintf(stderr, "slt: out of memory\n");
                exit(2);
            }
            script->labels = grown;
        }
        script->labels[script->label_count].name = xstrdup(label);
        script->labels[script->label_count].hash = xstrdup(hash);
        script->label_count++;
    }
    return true;
}

static bool compare_expected(const Record *record, char *const *values, size_t value_count,
                             const char *hash, char *reason, size_t reason_size)
{
    size_t hashed_count;
    char digest[64];
    if (record->expected_count == 1
        && sscanf(record->expected[0], "%zu values hashing to %63s", &hashed_count, digest) == 2) {
        if (strcmp(record->expected[0], hash) == 0) return true;
        snprintf(reason, reason_size, "hash mismatch");
        return false;
    }
    if (record->expected_count != value_count) {
        snprintf(reason, reason_size, "expected %zu values, got %zu", record->expected_count,
                 value_count);
        return false;
    }
    for (size_t value_idx = 0; value_idx < value_count; value_idx++) {
        if (strcmp(record->expected[value_idx], values[value_idx]) != 0) {
            snprintf(reason, reason_size, "value %zu differs", value_idx + 1);
            return false;
        }
    }
    return true;
}

static bool run_query(Script *script, const Record *record)
{
    const SltRunOptions *options = script->options;
    const char *types = record->token_count >= 2 ? record->tokens[1] : "";
    const char *sort_mode = record->token_count >= 3 ? record->tokens[2] : "nosort";
    const char *label = record->token_count >= 4 ? record->tokens[3] : NULL;
    SltRows rows = {0};
    SltError error = {{0}, {0}};
    char reason[SLT_MESSAGE_SIZE + 256];
    if (!options->engine->exec(options->conn, record->sql.data, &rows, &error)) {
        if (options->complete_out != NULL) {     /* a query PostgreSQL rejects: record it as such */
            complete_copy_until(script, record->command_line_idx);
            fprintf(options->complete_out, "statement error\n");
            complete_write_sql(script, record);
            fprintf(options->complete_out, "----\n%s\n", error.sqlstate);
            script->copied_line_idx = record->end_line_idx;
            return true;
        }
        snprintf(reason, sizeof reason, "query failed: %s: %s", error.sqlstate, error.message);
        report_failure(script, record, reason, record->expected, record->expected_count, NULL, 0);
        return false;
    }
    char inferred[TOKEN_COUNT_MAX * 32];
    bool infer = options->complete_out != NULL
                 && (types[0] == '\0' || (int)strlen(types) != rows.column_count);
    if (infer) {
        int column_count = rows.column_count < (int)sizeof inferred - 1 ? rows.column_count
                                                                          : (int)sizeof inferred - 1;
        for (int col_idx = 0; col_idx < column_count; col_idx++) {
            inferred[col_idx] = infer_type_letter(rows.column_types[col_idx]);
        }
        inferred[column_count] = '\0';
        types = inferred;
    }
    if ((int)strlen(types) != rows.column_count || rows.column_count == 0) {
        snprintf(reason, sizeof reason, "type string \"%s\" has %zu columns, the result has %d",
                 types, strlen(types), rows.column_count);
        report_failure(script, record, reason, NULL, 0, NULL, 0);
        slt_rows_free(&rows);
        return false;
    }
    size_t value_count = rows.row_count * (size_t)rows.column_count;
    char **values = xcalloc(value_count, sizeof *values);
    for (size_t value_idx = 0; value_idx < value_count; value_idx++) {
        int col_idx = (int)(value_idx % (size_t)rows.column_count);
        values[value_idx] = render_value(rows.values[value_idx], rows.column_types[col_idx],
                                         types[col_idx]);
    }
    sort_values(values, rows.row_count, rows.column_count, sort_mode);
    char hash[HASH_TEXT_SIZE];
    hash_values(values, value_count, hash);
    bool passed = true;
    if (options->complete_out != NULL) {
        complete_write_query(script, record, types, values, value_count, hash);
    } else if (!compare_expected(record, values, value_count, hash, reason, sizeof reason)) {
        bool hashed = record->expected_count == 1 && strstr(record->expected[0], "values hashing to");
        char *hash_line = hash;
        report_failure(script, record, reason, record->expected, record->expected_count,
                       hashed ? &hash_line : values, hashed ? 1 : value_count);
        passed = false;
    }
    char first[HASH_TEXT_SIZE];
    if (passed && label != NULL && !check_label(script, label, hash, first, sizeof first)) {
        snprintf(reason, sizeof reason, "label %s mismatch: the first query with it gave \"%s\"",
                 label, first);
        char *hash_line = hash;
        report_failure(script, record, reason, NULL, 0, &hash_line, 1);
        passed = false;
    }
    for (size_t value_idx = 0; value_idx < value_count; value_idx++) free(values[value_idx]);
    free(values);
    slt_rows_free(&rows);
    return passed;
}

static void count(SltCounts *counts, bool passed)
{
    if (passed) counts->passed++;
    else counts->failed++;
}

/* run_control: hash-threshold, loop, endloop, halt. false: stop the script. */
static bool run_control(Script *script, Record *record, SltCounts *counts)
{
    switch (record->kind) {
    case RECORD_HASH_THRESHOLD:
        script->hash_threshold = record->token_count >= 2 ? strtol(record->tokens[1], NULL, 10) : 0;
        return true;
    case RECORD_HALT:
        return false;
    case RECORD_LOOP:
        if (script->options->complete_out != NULL) {
            fprintf(stderr, "slt: %s:%zu: --complete does not support loop\n",
                    script->options->path, record->line_number);
            return false;
        }
        if (record->token_count < 4 || script->loop_depth == LOOP_DEPTH_MAX) {
            report_failure(script, record, "bad loop (loop VAR START COUNT, nested at most 8)",
                           NULL, 0, NULL, 0);
            counts->failed++;
            return true;
        }
        Loop *loop = &script->loops[script->loop_depth];
        snprintf(loop->name, sizeof loop->name, "%s", record->tokens[1]);
        loop->value = strtol(record->tokens[2], NULL, 10);
        loop->end = loop->value + strtol(record->tokens[3], NULL, 10);
        loop->body_line_idx = record->end_line_idx;
        if (loop->value < loop->end) {
            script->loop_depth++;
            return true;
        }
        for (int depth = 1; depth > 0;) {                /* an empty loop: skip its body */
            if (!next_record(script, record)) return false;
            if (record->kind == RECORD_LOOP) depth++;
            if (record->kind == RECORD_ENDLOOP) depth--;
        }
        return true;
    case RECORD_ENDLOOP:
        if (script->loop_depth == 0) {
            report_failure(script, record, "endloop without loop", NULL, 0, NULL, 0);
            counts->failed++;
            return true;
        }
        Loop *current = &script->loops[script->loop_depth - 1];
        if (++current->value < current->end) script->line_idx = current->body_line_idx;
        else script->loop_depth--;
        return true;
    default:
        report_failure(script, record, "unknown record type", NULL, 0, NULL, 0);
        counts->failed++;
        return true;
    }
}

bool slt_run_file(const SltRunOptions *options, SltCounts *counts)
{
    Script script = {.options = options};
    if (!script_load(&script, options->path)) return false;
    Record record = {0};
    bool ok = true;
    while (next_record(&script, &record)) {
        bool is_sql = record.kind == RECORD_STATEMENT_OK || record.kind == RECORD_STATEMENT_ERROR
                      || record.kind == RECORD_QUERY;
        if (record.skip) {
            if (is_sql) counts->skipped++;
            continue;
        }
        if (!is_sql) {
            if (record.kind == RECORD_LOOP && options->complete_out != NULL) ok = false;
            if (!run_control(&script, &record, counts)) break;
            continue;
        }
        if (options->engine == NULL) {
            counts->passed++;                            /* dry run */
        } else if (record.kind == RECORD_QUERY) {
            count(counts, run_query(&script, &record));
        } else {
            count(counts, run_statement(&script, &record));
        }
    }
    if (options->complete_out != NULL) complete_copy_until(&script, script.line_count);
    record_clear(&record);
    for (size_t label_idx = 0; label_idx < script.label_count; label_idx++) {
        free(script.labels[label_idx].name);
        free(script.labels[label_idx].hash);
    }
    free(script.labels);
    free(script.line_buf.data);
    free(script.lines);
    free(script.text);
    return ok;
}
