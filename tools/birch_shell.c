/* tools/birch_shell.c: `birch FILE`, the interactive SQL shell over the embedded engine.
 *
 *   birch [-c SQL]... [-f SCRIPT] [--csv|--tsv|--line] [--bail] [--no-psqlrc-like-echo] FILE
 *
 * Interactive (stdin is a terminal): a libedit prompt with history (~/.birch_history), SQL
 * statements end with ';' (outside quotes, comments and dollar quotes), backslash commands
 * act at once. Non-interactive (a script on stdin, -f, -c): the same input without prompts;
 * with --bail the first error stops the run with exit status 1 (otherwise the exit status is 1
 * if any statement failed, 0 if none did).
 *
 * Backslash commands (the shell only calls include/birch.h; the \d family queries pg_catalog,
 * which answers once the catalog views exist):
 *   \q                       quit
 *   \?                       this list
 *   \timing [on|off]         print each statement's elapsed time
 *   \mode table|csv|tsv|line output mode (table: aligned columns with a header, as psql)
 *   \i FILE                  run the statements in FILE
 *   \import CSVFILE TABLE    load a CSV file (first line: header) into TABLE in one transaction
 *   \export CSVFILE QUERY    write the result of QUERY to a CSV file with a header line
 *   \d [NAME], \dt, \di, \dv, \dn   describe through pg_catalog
 *   \set NAME VALUE          a session setting (SET NAME = VALUE)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "include/birch.h"
#include "wire/server.h"   /* serve */

typedef enum OutputMode { MODE_TABLE, MODE_CSV, MODE_TSV, MODE_LINE } OutputMode;

typedef struct Shell {
    birch_db  *db;
    OutputMode mode;
    bool       timing;
    bool       bail;
    bool       interactive;
    int        error_count;
    char      *buffer;          /* the statement being collected */
    size_t     buffer_size;
    size_t     buffer_capacity;
    int        include_depth;
} Shell;

enum { INCLUDE_DEPTH_MAX = 16 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void print_error(Shell *shell)
{
    const birch_error *error = birch_last_error(shell->db);
    if (error == NULL) {
        fprintf(stderr, "ERROR:  unknown error\n");
        return;
    }
    fprintf(stderr, "%s:  %s\n", error->severity, error->message);
    if (error->detail != NULL) fprintf(stderr, "DETAIL:  %s\n", error->detail);
    if (error->hint != NULL) fprintf(stderr, "HINT:  %s\n", error->hint);
    if (!shell->interactive) fprintf(stderr, "SQLSTATE: %s\n", error->sqlstate);
}

static void notice_hook(void *ctx, const birch_error *notice)
{
    (void)ctx;
    fprintf(stderr, "%s:  %s\n", notice->severity, notice->message);
}

/* ------------------------------------------------------------ results ---- */

/* A result held in memory for the aligned table mode (the other modes stream). */
typedef struct Result {
    int     column_count;
    char  **names;
    size_t  row_count, row_capacity;
    char  **cells;           /* row-major; NULL for SQL NULL */
} Result;

static void result_free(Result *result)
{
    for (int col = 0; col < result->column_count; col++) free(result->names[col]);
    free(result->names);
    for (size_t idx = 0; idx < result->row_count * (size_t)result->column_count; idx++) {
        free(result->cells[idx]);
    }
    free(result->cells);
    memset(result, 0, sizeof *result);
}

/* utf8_width: display columns of a UTF-8 string (one per code point; good enough for a shell). */
static size_t utf8_width(const char *text)
{
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
        if ((*p & 0xC0) != 0x80) width++;
    }
    return width;
}

static bool is_numeric_type(uint32_t oid)
{
    return oid == BIRCH_OID_INT2 || oid == BIRCH_OID_INT4 || oid == BIRCH_OID_INT8 ||
           oid == BIRCH_OID_FLOAT4 || oid == BIRCH_OID_FLOAT8 || oid == BIRCH_OID_NUMERIC ||
           oid == BIRCH_OID_OID;
}

static void print_padded(const char *text, size_t width, bool right)
{
    size_t pad = width - utf8_width(text);
    if (right) printf("%*s%s", (int)pad, "", text);
    else printf("%s%*s", text, (int)pad, "");
}

static void print_table(const Result *result, const uint32_t *types)
{
    int     column_count = result->column_count;
    size_t *widths = calloc((size_t)column_count + 1, sizeof *widths);
    if (widths == NULL) return;
    for (int col = 0; col < column_count; col++) widths[col] = utf8_width(result->names[col]);
    for (size_t row = 0; row < result->row_count; row++) {
        for (int col = 0; col < column_count; col++) {
            const char *cell = result->cells[row * (size_t)column_count + (size_t)col];
            size_t width = cell != NULL ? utf8_width(cell) : 0;
            if (width > widths[col]) widths[col] = width;
        }
    }
    for (int col = 0; col < column_count; col++) {
        size_t name_width = utf8_width(result->names[col]);
        size_t left = (widths[col] - name_width) / 2;
        printf("%s%*s%s%*s", col > 0 ? "|" : "", (int)(left + 1), "", result->names[col],
               (int)(widths[col] - name_width - left + (col + 1 < column_count ? 1 : 0)), "");
    }
    printf("\n");
    for (int col = 0; col < column_count; col++) {
        if (col > 0) printf("+");
        for (size_t idx = 0; idx < widths[col] + 2; idx++) putchar('-');
    }
    printf("\n");
    for (size_t row = 0; row < result->row_count; row++) {
        for (int col = 0; col < column_count; col++) {
            const char *cell = result->cells[row * (size_t)column_count + (size_t)col];
            printf("%s ", col > 0 ? "|" : "");
            bool last = col + 1 == column_count;
            if (last && !is_numeric_type(types[col])) printf("%s", cell != NULL ? cell : "");
            else print_padded(cell != NULL ? cell : "", widths[col], is_numeric_type(types[col]));
            if (!last) printf(" ");
        }
        printf("\n");
    }
    printf("(%zu row%s)\n\n", result->row_count, result->row_count == 1 ? "" : "s");
    free(widths);
}

static void print_csv_field(FILE *out, const char *text, char delimiter)
{
    if (text == NULL) return;
    bool quote = text[0] == 0 || strpbrk(text, "\",\n\r\t") != NULL ||
                 strchr(text, delimiter) != NULL;
    if (!quote) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p != 0; p++) {
        if (*p == '"') fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

/* run_statement: step one prepared statement to the end and print its rows in the mode. */
/* copy: COPY ... FROM STDIN reads the lines that follow it, up to \., as psql does: from the
 * script being run (copy_input), the prompt when interactive, or standard input. */
static FILE *copy_input;

static int copy_stream(Shell *shell, birch_stmt *stmt, int rc, FILE *out)
{
    if (rc == BIRCH_COPY_OUT) {
        const void *data = NULL;
        size_t size = 0;
        while ((rc = birch_copy_get(stmt, &data, &size)) == BIRCH_ROW) fwrite(data, 1, size, out);
        return rc;
    }
    FILE *in = copy_input != NULL ? copy_input : stdin;
    if (shell->interactive && copy_input == NULL) {
        printf("Enter data to be copied followed by a newline.\n"
               "End with a backslash and a period on a line by itself.\n");
    }
    char *line = NULL;
    size_t capacity = 0;
    rc = BIRCH_OK;
    for (;;) {
        char *got = NULL;
        if (shell->interactive && copy_input == NULL) {
            got = readline(">> ");
            free(line);
            line = got;
        } else if (getline(&line, &capacity, in) >= 0) {
            got = line;
        }
        if (got == NULL) break;
        size_t size = strlen(got);
        while (size > 0 && (got[size - 1] == '\n' || got[size - 1] == '\r')) got[--size] = 0;
        if (strcmp(got, "\\.") == 0) break;
        got[size] = '\n';
        if (rc == BIRCH_OK) rc = birch_copy_put(stmt, got, size + 1);
        got[size] = 0;
    }
    free(line);
    return rc == BIRCH_OK ? birch_copy_end(stmt, NULL) : BIRCH_ERROR;
}

static int run_statement(Shell *shell, birch_stmt *stmt, FILE *csv_out)
{
    int column_count = birch_column_count(stmt);
    bool returns_rows = birch_returns_rows(stmt);
    OutputMode mode = csv_out != NULL ? MODE_CSV : shell->mode;
    FILE *out = csv_out != NULL ? csv_out : stdout;
    Result result = {0};
    uint32_t *types = calloc((size_t)column_count + 1, sizeof *types);
    if (types == NULL) return BIRCH_ERROR;
    for (int col = 0; col < column_count; col++) types[col] = birch_column_type(stmt, col);
    if (returns_rows && mode == MODE_TABLE) {
        result.column_count = column_count;
        result.names = calloc((size_t)column_count + 1, sizeof *result.names);
        if (result.names == NULL) {
            free(types);
            return BIRCH_ERROR;
        }
        for (int col = 0; col < column_count; col++) {
            result.names[col] = strdup(birch_column_name(stmt, col));
        }
    } else if (returns_rows && (mode == MODE_CSV || mode == MODE_TSV)) {
        char delimiter = mode == MODE_CSV ? ',' : '\t';
        for (int col = 0; col < column_count; col++) {
            if (col > 0) fputc(delimiter, out);
            print_csv_field(out, birch_column_name(stmt, col), delimiter);
        }
        fputc('\n', out);
    }
    int rc;
    size_t row_count = 0;
    while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        row_count++;
        if (mode == MODE_TABLE) {
            if (result.row_count == result.row_capacity) {
                size_t capacity = result.row_capacity == 0 ? 64 : result.row_capacity * 2;
                char **cells = realloc(result.cells,
                                       capacity * (size_t)column_count * sizeof *cells + 1);
                if (cells == NULL) {
                    rc = BIRCH_ERROR;
                    break;
                }
                result.cells = cells;
                result.row_capacity = capacity;
            }
            for (int col = 0; col < column_count; col++) {
                const char *text = birch_column_is_null(stmt, col)
                                       ? NULL : birch_column_text(stmt, col, NULL);
                result.cells[result.row_count * (size_t)column_count + (size_t)col] =
                    text != NULL ? strdup(text) : NULL;
            }
            result.row_count++;
        } else if (mode == MODE_LINE) {
            printf("-[ RECORD %zu ]\n", row_count);
            for (int col = 0; col < column_count; col++) {
                const char *text = birch_column_is_null(stmt, col)
                                       ? "" : birch_column_text(stmt, col, NULL);
                printf("%s | %s\n", birch_column_name(stmt, col), text);
            }
        } else {
            char delimiter = mode == MODE_CSV ? ',' : '\t';
            for (int col = 0; col < column_count; col++) {
                if (col > 0) fputc(delimiter, out);
                if (!birch_column_is_null(stmt, col)) {
                    print_csv_field(out, birch_column_text(stmt, col, NULL), delimiter);
                }
            }
            fputc('\n', out);
        }
    }
    if (rc == BIRCH_DONE) {
        if (mode == MODE_TABLE && returns_rows) print_table(&result, types);
        else if (!returns_rows && csv_out == NULL) printf("%s\n", birch_command_tag(stmt));
    } else if (rc == BIRCH_COPY_IN || rc == BIRCH_COPY_OUT) {
        rc = copy_stream(shell, stmt, rc, out);   /* copy */
        if (rc == BIRCH_DONE && csv_out == NULL) printf("%s\n", birch_command_tag(stmt));
    }
    result_free(&result);
    free(types);
    return rc == BIRCH_DONE ? BIRCH_OK : BIRCH_ERROR;
}

/* run_sql: every statement of sql; errors are printed. Returns false if one failed. */
static bool run_sql(Shell *shell, const char *sql, FILE *csv_out)
{
    const char *rest = sql;
    bool ok = true;
    while (rest != NULL && *rest != 0) {
        birch_stmt *stmt = NULL;
        const char *tail = NULL;
        double start = now_ms();
        if (birch_prepare(shell->db, rest, -1, &stmt, &tail) != BIRCH_OK) {
            print_error(shell);
            shell->error_count++;
            return false;
        }
        if (stmt == NULL) break;     /* only whitespace or comments left */
        if (run_statement(shell, stmt, csv_out) != BIRCH_OK) {
            print_error(shell);
            shell->error_count++;
            ok = false;
        }
        birch_finalize(stmt);
        if (shell->timing) printf("Time: %.3f ms\n", now_ms() - start);
        if (!ok) break;
        rest = tail;
    }
    return ok;
}

/* ------------------------------------------------------------- statement scanning ---- */

/* statement_complete: the buffer holds at least one complete statement: a ';' outside quotes,
 * comments and dollar quotes, with nothing but whitespace or comments after the last one. */
static bool statement_complete(const char *text)
{
    bool complete = false;
    const char *p = text;
    while (*p != 0) {
        if (*p == '\'' || *p == '"') {
            char quote = *p++;
            while (*p != 0 && !(*p == quote && p[1] != quote)) p += (*p == quote) ? 2 : 1;
            if (*p == 0) return false;
            p++;
            complete = false;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p != 0 && *p != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (end == NULL) return false;
            p = end + 2;
        } else if (*p == '$') {
            const char *tag_end = p + 1;
            while (*tag_end == '_' || (*tag_end >= 'a' && *tag_end <= 'z') ||
                   (*tag_end >= 'A' && *tag_end <= 'Z') || (*tag_end >= '0' && *tag_end <= '9' &&
                                                              tag_end > p + 1)) {
                tag_end++;
            }
            if (*tag_end != '$') {
                p++;
                complete = false;
                continue;
            }
            size_t tag_size = (size_t)(tag_end - p) + 1;
            const char *body = tag_end + 1;
            const char *close = body;
            while ((close = strstr(close, "$")) != NULL && strncmp(close, p, tag_size) != 0) close++;
            if (close == NULL) return false;
            p = close + tag_size;
            complete = false;
        } else if (*p == ';') {
            complete = true;
            p++;
        } else {
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') complete = false;
            p++;
        }
    }
    return complete;
}

static bool buffer_append(Shell *shell, const char *line)
{
    size_t size = strlen(line);
    if (shell->buffer_size + size + 2 > shell->buffer_capacity) {
        size_t capacity = (shell->buffer_size + size + 2) * 2;
        char *buffer = realloc(shell->buffer, capacity);
        if (buffer == NULL) return false;
        shell->buffer = buffer;
        shell->buffer_capacity = capacity;
    }
    memcpy(shell->buffer + shell->buffer_size, line, size);
    shell->buffer_size += size;
    shell->buffer[shell->buffer_size++] = '\n';
    shell->buffer[shell->buffer_size] = 0;
    return true;
}

/* ------------------------------------------------------------- CSV import ---- */

/* csv_read_record: the next record of in into fields (malloc'd strings; NULL for an empty
 * unquoted field). Returns the field count, 0 at the end, -1 on a malformed record. */
static int csv_read_record(FILE *in, char ***fields_io, int *capacity_io)
{
    int count = 0;
    int c = fgetc(in);
    if (c == EOF) return 0;
    for (;;) {
        char  *value = NULL;
        size_t size = 0, capacity = 0;
        bool   quoted = false;
        if (c == '"') {
            quoted = true;
            for (;;) {
                c = fgetc(in);
                if (c == EOF) return -1;
                if (c == '"') {
                    c = fgetc(in);
                    if (c != '"') break;
                }
                if (size + 2 > capacity) {
                    capacity = capacity == 0 ? 32 : capacity * 2;
                    char *grown = realloc(value, capacity);
                    if (grown == NULL) { free(value); return -1; }
                    value = grown;
                }
                value[size++] = (char)c;
            }
        } else {
            while (c != ',' && c != '\n' && c != EOF) {
                if (c != '\r') {
                    if (size + 2 > capacity) {
                        capacity = capacity == 0 ? 32 : capacity * 2;
                        char *grown = realloc(value, capacity);
                        if (grown == NULL) { free(value); return -1; }
                        value = grown;
                    }
                    value[size++] = (char)c;
                }
                c = fgetc(in);
            }
        }
        if (value != NULL) value[size] = 0;
        else if (quoted) value = strdup("");
        if (count == *capacity_io) {
            int capacity_new = *capacity_io == 0 ? 16 : *capacity_io * 2;
            char **grown = realloc(*fields_io, (size_t)capacity_new * sizeof *grown);
            if (grown == NULL) { free(value); return -1; }
            *fields_io = grown;
            *capacity_io = capacity_new;
        }
        (*fields_io)[count++] = value;
        if (c == '\r') c = fgetc(in);
        if (c == ',') {
            c = fgetc(in);
            continue;
        }
        return count;    /* '\n' or EOF */
    }
}

static void fields_free(char **fields, int count)
{
    for (int idx = 0; idx < count; idx++) free(fields[idx]);
}

static bool import_csv(Shell *shell, const char *path, const char *table)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        fprintf(stderr, "ERROR:  could not open file \"%s\": %s\n", path, strerror(errno));
        return false;
    }
    char **fields = NULL;
    int capacity = 0;
    int column_count = csv_read_record(in, &fields, &capacity);     /* the header */
    if (column_count <= 0) {
        fprintf(stderr, "ERROR:  \"%s\" has no header line\n", path);
        fclose(in);
        free(fields);
        return false;
    }
    size_t sql_size = strlen(table) + 64 + (size_t)column_count * 16;
    for (int col = 0; col < column_count; col++) sql_size += strlen(fields[col] ? fields[col] : "") * 2 + 4;
    char *sql = malloc(sql_size);
    bool ok = sql != NULL;
    if (ok) {
        size_t used = (size_t)snprintf(sql, sql_size, "INSERT INTO %s (", table);
        for (int col = 0; col < column_count; col++) {
            used += (size_t)snprintf(sql + used, sql_size - used, "%s\"", col > 0 ? ", " : "");
            for (const char *p = fields[col] ? fields[col] : ""; *p != 0; p++) {
                if (*p == '"') sql[used++] = '"';
                sql[used++] = *p;
            }
            used += (size_t)snprintf(sql + used, sql_size - used, "\"");
        }
        used += (size_t)snprintf(sql + used, sql_size - used, ") VALUES (");
        for (int col = 0; col < column_count; col++) {
            used += (size_t)snprintf(sql + used, sql_size - used, "%s$%d", col > 0 ? ", " : "",
                                     col + 1);
        }
        snprintf(sql + used, sql_size - used, ")");
    }
    fields_free(fields, column_count);
    birch_stmt *stmt = NULL;
    bool in_block = birch_txn_status(shell->db) != 'I';
    if (ok && !in_block && birch_exec(shell->db, "BEGIN", NULL, NULL) != BIRCH_OK) ok = false;
    if (ok && birch_prepare(shell->db, sql, -1, &stmt, NULL) != BIRCH_OK) ok = false;
    uint64_t row_count = 0;
    long line = 1;
    while (ok) {
        int count = csv_read_record(in, &fields, &capacity);
        line++;
        if (count == 0) break;
        if (count != column_count) {
            fprintf(stderr, "ERROR:  line %ld of \"%s\" has %d fields, the header has %d\n",
                    line, path, count < 0 ? 0 : count, column_count);
            if (count > 0) fields_free(fields, count);
            ok = false;
            break;
        }
        birch_reset(stmt);
        for (int col = 0; col < column_count && ok; col++) {
            int rc = fields[col] == NULL ? birch_bind_null(stmt, col + 1)
                                         : birch_bind_text(stmt, col + 1, fields[col], -1);
            if (rc != BIRCH_OK) ok = false;
        }
        if (ok && birch_step(stmt) != BIRCH_DONE) ok = false;
        fields_free(fields, count);
        if (ok) row_count++;
    }
    if (!ok && birch_last_error(shell->db) != NULL && stmt != NULL) print_error(shell);
    birch_finalize(stmt);
    if (!in_block) {
        if (birch_exec(shell->db, ok ? "COMMIT" : "ROLLBACK", NULL, NULL) != BIRCH_OK) {
            print_error(shell);
            ok = false;
        }
    }
    if (ok) printf("imported %llu rows into %s\n", (unsigned long long)row_count, table);
    free(fields);
    free(sql);
    fclose(in);
    return ok;
}

static bool export_csv(Shell *shell, const char *path, const char *query)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "ERROR:  could not open file \"%s\": %s\n", path, strerror(errno));
        return false;
    }
    bool ok = run_sql(shell, query, out);
    if (fclose(out) != 0) {
        fprintf(stderr, "ERROR:  could not write \"%s\": %s\n", path, strerror(errno));
        ok = false;
    }
    return ok;
}

/* ------------------------------------------------------------- meta-commands ---- */

static bool run_file(Shell *shell, FILE *in);

static char *next_word(char **cursor)
{
    char *p = *cursor;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == 0) return NULL;
    char *start = p;
    while (*p != 0 && *p != ' ' && *p != '\t') p++;
    if (*p != 0) *p++ = 0;
    *cursor = p;
    return start;
}

static const char DESCRIBE_TABLES_SQL[] =
    "SELECT n.nspname AS \"Schema\", c.relname AS \"Name\", "
    "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'i' THEN 'index' "
    "WHEN 'S' THEN 'sequence' END AS \"Type\" "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN (%s) AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "ORDER BY 1, 2";

static bool describe(Shell *shell, const char *command, const char *name)
{
    char sql[1024];
    if (strcmp(command, "dn") == 0) {
        snprintf(sql, sizeof sql, "SELECT nspname AS \"Name\" FROM pg_catalog.pg_namespace "
                                  "WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> "
                                  "'information_schema' ORDER BY 1");
    } else if (name != NULL) {
        char quoted[300];
        size_t used = 0;
        for (const char *p = name; *p != 0 && used + 3 < sizeof quoted; p++) {
            if (*p == '\'') quoted[used++] = '\'';
            quoted[used++] = *p;
        }
        quoted[used] = 0;
        snprintf(sql, sizeof sql,
                 "SELECT a.attname AS \"Column\", pg_catalog.format_type(a.atttypid, a.atttypmod) "
                 "AS \"Type\", CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS \"Nullable\" "
                 "FROM pg_catalog.pg_attribute a WHERE a.attrelid = '%s'::regclass AND "
                 "a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", quoted);
    } else {
        const char *kinds = strcmp(command, "dt") == 0   ? "'r'"
                            : strcmp(command, "di") == 0 ? "'i'"
                            : strcmp(command, "dv") == 0 ? "'v'"
                                                         : "'r', 'v', 'S'";
        snprintf(sql, sizeof sql, DESCRIBE_TABLES_SQL, kinds);
    }
    return run_sql(shell, sql, NULL);
}

static void print_help(void)
{
    printf("  \\q                       quit\n"
           "  \\timing [on|off]         time each statement\n"
           "  \\mode table|csv|tsv|line output mode\n"
           "  \\i FILE                  run the statements in FILE\n"
           "  \\import CSVFILE TABLE    load a CSV file with a header line into TABLE\n"
           "  \\export CSVFILE QUERY    write QUERY's result to a CSV file\n"
           "  \\d [NAME] \\dt \\di \\dv \\dn describe tables, indexes, views, schemas\n"
           "  \\set NAME VALUE          change a session setting\n");
}

/* meta_command: run one backslash command; *quit_out set by \q. Returns false on error. */
static bool meta_command(Shell *shell, char *line, bool *quit_out)
{
    char *cursor = line + 1;
    char *command = next_word(&cursor);
    if (command == NULL) return true;
    char *rest = cursor;
    while (*rest == ' ' || *rest == '\t') rest++;
    size_t rest_size = strlen(rest);
    while (rest_size > 0 && (rest[rest_size - 1] == ' ' || rest[rest_size - 1] == '\n')) {
        rest[--rest_size] = 0;
    }
    if (strcmp(command, "q") == 0 || strcmp(command, "quit") == 0) {
        *quit_out = true;
        return true;
    }
    if (strcmp(command, "?") == 0 || strcmp(command, "help") == 0) {
        print_help();
        return true;
    }
    if (strcmp(command, "timing") == 0) {
        shell->timing = rest_size == 0 ? !shell->timing : strcmp(rest, "on") == 0;
        printf("Timing is %s.\n", shell->timing ? "on" : "off");
        return true;
    }
    if (strcmp(command, "mode") == 0) {
        if (strcmp(rest, "table") == 0) shell->mode = MODE_TABLE;
        else if (strcmp(rest, "csv") == 0) shell->mode = MODE_CSV;
        else if (strcmp(rest, "tsv") == 0) shell->mode = MODE_TSV;
        else if (strcmp(rest, "line") == 0) shell->mode = MODE_LINE;
        else {
            fprintf(stderr, "\\mode: unknown mode \"%s\" (table, csv, tsv, line)\n", rest);
            return false;
        }
        return true;
    }
    if (strcmp(command, "i") == 0) {
        if (shell->include_depth >= INCLUDE_DEPTH_MAX) {
            fprintf(stderr, "\\i: files nested too deeply\n");
            return false;
        }
        FILE *in = fopen(rest, "r");
        if (in == NULL) {
            fprintf(stderr, "\\i: %s: %s\n", rest, strerror(errno));
            return false;
        }
        bool interactive = shell->interactive;
        shell->interactive = false;
        shell->include_depth++;
        bool ok = run_file(shell, in);
        shell->include_depth--;
        shell->interactive = interactive;
        fclose(in);
        return ok;
    }
    if (strcmp(command, "import") == 0 || strcmp(command, "export") == 0) {
        char *path = next_word(&rest);
        while (rest != NULL && (*rest == ' ' || *rest == '\t')) rest++;
        if (path == NULL || rest == NULL || *rest == 0) {
            fprintf(stderr, "\\%s: usage: \\%s CSVFILE %s\n", command, command,
                    command[0] == 'i' ? "TABLE" : "QUERY");
            return false;
        }
        return command[0] == 'i' ? import_csv(shell, path, rest) : export_csv(shell, path, rest);
    }
    if (strcmp(command, "set") == 0) {
        char *name = next_word(&rest);
        while (rest != NULL && (*rest == ' ' || *rest == '\t')) rest++;
        if (name == NULL || rest == NULL || *rest == 0) {
            fprintf(stderr, "\\set: usage: \\set NAME VALUE\n");
            return false;
        }
        if (birch_set(shell->db, name, rest) != BIRCH_OK) {
            print_error(shell);
            return false;
        }
        return true;
    }
    if (command[0] == 'd') {
        return describe(shell, command, rest_size > 0 ? rest : NULL);
    }
    fprintf(stderr, "invalid command \\%s (\\? lists them)\n", command);
    return false;
}

/* ------------------------------------------------------------- input loops ---- */

/* handle_line: feed one input line; runs complete statements and meta-commands. */
static bool handle_line(Shell *shell, char *line, bool *quit_out)
{
    bool ok = true;
    const char *start = line;
    while (*start == ' ' || *start == '\t') start++;
    if (shell->buffer_size == 0 && *start == '\\') {
        ok = meta_command(shell, (char *)start, quit_out);
        if (!ok) shell->error_count++;
        return ok;
    }
    if (shell->buffer_size == 0 && *start == 0) return true;
    if (!buffer_append(shell, line)) {
        fprintf(stderr, "out of memory\n");
        return false;
    }
    if (statement_complete(shell->buffer)) {
        ok = run_sql(shell, shell->buffer, NULL);
        shell->buffer_size = 0;
        shell->buffer[0] = 0;
    }
    return ok;
}

static bool run_file(Shell *shell, FILE *in)
{
    char  *line = NULL;
    size_t capacity = 0;
    bool   quit = false;
    bool   ok = true;
    FILE  *outer_copy_input = copy_input;   /* copy: COPY FROM STDIN data follows in this file */
    copy_input = in;
    while (!quit && getline(&line, &capacity, in) >= 0) {
        size_t size = strlen(line);
        while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r')) line[--size] = 0;
        if (!handle_line(shell, line, &quit)) {
            ok = false;
            if (shell->bail) break;
        }
    }
    free(line);
    if (ok && shell->buffer_size > 0) {       /* a last statement without ';' */
        ok = run_sql(shell, shell->buffer, NULL);
        shell->buffer_size = 0;
    }
    copy_input = outer_copy_input;
    return ok;
}

static void run_interactive(Shell *shell, const char *path)
{
    char history_path[4096] = "";
    const char *home = getenv("HOME");
    if (home != NULL) snprintf(history_path, sizeof history_path, "%s/.birch_history", home);
    using_history();
    if (history_path[0] != 0) read_history(history_path);
    printf("birch %s (PostgreSQL %s dialect) on %s. \\? for help, \\q to quit.\n",
           birch_version(), birch_server_version(), path);
    bool quit = false;
    while (!quit) {
        char *line = readline(shell->buffer_size == 0 ? "birch=> " : "birch-> ");
        if (line == NULL) {
            printf("\n");
            break;
        }
        if (line[0] != 0) add_history(line);
        handle_line(shell, line, &quit);
        free(line);
    }
    if (history_path[0] != 0) write_history(history_path);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: birch [options] FILE     an SQL shell on the database file FILE\n"
                 "  -c, --command SQL   run SQL and exit (repeatable)\n"
                 "  -f, --file SCRIPT   run the statements in SCRIPT and exit\n"
                 "      --csv | --tsv | --line   output mode (default: aligned table)\n"
                 "      --bail          stop at the first error (exit status 1)\n"
                 "  A script on standard input runs without prompts.\n");
}

int main(int argc, char **argv)
{
    /* serve: `birch serve FILE ...` runs the PostgreSQL protocol server (wire/server.h) */
    if (argc > 1 && strcmp(argv[1], "serve") == 0) return wire_serve_main(argc - 1, argv + 1);
    Shell shell = {.mode = MODE_TABLE};
    const char *commands[64];
    int command_count = 0;
    const char *script = NULL;
    static const struct option options[] = {
        {"command", required_argument, NULL, 'c'}, {"file", required_argument, NULL, 'f'},
        {"csv", no_argument, NULL, 'C'}, {"tsv", no_argument, NULL, 'T'},
        {"line", no_argument, NULL, 'L'}, {"bail", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "c:f:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (command_count < 64) commands[command_count++] = optarg;
            break;
        case 'f': script = optarg; break;
        case 'C': shell.mode = MODE_CSV; break;
        case 'T': shell.mode = MODE_TSV; break;
        case 'L': shell.mode = MODE_LINE; break;
        case 'B': shell.bail = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    if (birch_open(path, NULL, &shell.db) != BIRCH_OK) {
        if (shell.db != NULL) {
            print_error(&shell);
            birch_close(shell.db);
        } else {
            fprintf(stderr, "birch: out of memory opening %s\n", path);
        }
        return 1;
    }
    birch_set_notice_hook(shell.db, notice_hook, NULL);
    bool ok = true;
    if (command_count > 0 || script != NULL) {
        for (int idx = 0; idx < command_count && (ok || !shell.bail); idx++) {
            if (commands[idx][0] == '\\') {
                bool quit = false;
                char *copy = strdup(commands[idx]);
                if (copy == NULL || !meta_command(&shell, copy, &quit)) ok = false;
                free(copy);
            } else if (!run_sql(&shell, commands[idx], NULL)) {
                ok = false;
            }
        }
        if (script != NULL && (ok || !shell.bail)) {
            FILE *in = fopen(script, "r");
            if (in == NULL) {
                fprintf(stderr, "birch: %s: %s\n", script, strerror(errno));
                ok = false;
            } else {
                if (!run_file(&shell, in)) ok = false;
                fclose(in);
            }
        }
    } else if (isatty(STDIN_FILENO)) {
        shell.interactive = true;
        run_interactive(&shell, path);
    } else {
        if (!run_file(&shell, stdin)) ok = false;
    }
    free(shell.buffer);
    if (birch_close(shell.db) != BIRCH_OK) ok = false;
    return ok && shell.error_count == 0 ? 0 : 1;
}
