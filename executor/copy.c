/* executor/copy.c: COPY statements: options, the per-statement registry of pending COPYs, files,
 * and the birch_copy_* entry points (see copy.h). Parsing and the insert path are in
 * copy_in.c, formatting in copy_out.c. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/asserts.h"
#include "executor/copy_int.h"

enum { COPY_FILE_CHUNK = 256 * 1024 };

Error *copy_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *copy_buf_room(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return NULL;
    size_t new_cap = *cap > 0 ? *cap : 256;
    while (new_cap < need) new_cap *= 2;
    char *bigger = realloc(*buf, new_cap);
    if (bigger == NULL) return copy_oom();
    *buf = bigger;
    *cap = new_cap;
    return NULL;
}

Error *copy_context(Error *err, const char *fmt, ...)
{
    if (err == NULL || err->is_static) return err;
    char context[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(context, sizeof context, fmt, args);
    va_end(args);
    /* sessions: PostgreSQL sends the line as CONTEXT (the 'W' field), not DETAIL */
    if (err->context != NULL) return err;   /* the innermost context wins */
    return err_set_context(err, "%s", context);
}

ExecSessionHooks *copy_hooks(CopyState *state) { return &state->ctx.hooks; }

/* ------------------------------------------------------------------ registry ---- */

static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static CopyState *registry;

static CopyState *state_find(const birch_stmt *stmt)
{
    pthread_mutex_lock(&registry_mutex);
    CopyState *state = registry;
    while (state != NULL && state->stmt != stmt) state = state->next;
    pthread_mutex_unlock(&registry_mutex);
    return state;
}

static CopyState *state_get(birch_stmt *stmt)
{
    CopyState *state = state_find(stmt);
    if (state != NULL) return state;
    state = calloc(1, sizeof *state);
    if (state == NULL) return NULL;
    state->stmt = stmt;
    state->db = stmt->db;
    pthread_mutex_lock(&registry_mutex);
    state->next = registry;
    registry = state;
    pthread_mutex_unlock(&registry_mutex);
    return state;
}

/* state_clear: close everything of the COPY itself (the exec attachment stays). */
static void state_clear(CopyState *state)
{
    copy_in_close(state);
    copy_out_close(state);
    if (state->file != NULL) fclose(state->file);
    state->file = NULL;
    free(state->in);
    state->in = NULL;
    state->in_size = state->in_cap = state->in_pos = 0;
    free(state->field_buf);
    state->field_buf = NULL;
    state->field_cap = 0;
    free(state->out_buf);
    state->out_buf = NULL;
    state->out_size = state->out_cap = 0;
    arena_destroy(state->batch_arena);
    state->batch_arena = NULL;
    arena_destroy(state->out_arena);
    state->out_arena = NULL;
    arena_destroy(state->arena);
    state->arena = NULL;
    bool exec_mode = state->exec_mode;
    birch_row_fn callback = state->exec_callback;
    void *ctx = state->exec_ctx;
    CopyState *next = state->next;
    birch_stmt *stmt = state->stmt;
    birch_db *db = state->db;
    memset(state, 0, sizeof *state);
    state->next = next;
    state->stmt = stmt;
    state->db = db;
    state->exec_mode = exec_mode;
    state->exec_callback = callback;
    state->exec_ctx = ctx;
}

static void state_free(CopyState *state)
{
    pthread_mutex_lock(&registry_mutex);
    CopyState **link = &registry;
    while (*link != NULL && *link != state) link = &(*link)->next;
    if (*link == state) *link = state->next;
    pthread_mutex_unlock(&registry_mutex);
    state_clear(state);
    free(state);
}

/* ------------------------------------------------------------------ options ---- */

static Error *option_string(const AstOption *option, char *buf, size_t buf_size)
{
    const AstExpr *value = option->value;
    if (value == NULL) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "%s requires a parameter", option->name);
    }
    switch (value->kind) {
    case AST_EXPR_STRING:
    case AST_EXPR_INTEGER:
    case AST_EXPR_NUMERIC:
        snprintf(buf, buf_size, "%s", value->text);
        return NULL;
    case AST_EXPR_BOOL:
        snprintf(buf, buf_size, "%s", value->bool_value ? "true" : "false");
        return NULL;
    default:
        return err_at(SQLSTATE_SYNTAX_ERROR, value->position,
                      "%s requires a parameter", option->name);
    }
}

/* option_boolean: PostgreSQL's defGetBoolean (plus HEADER's "match": *match_out). */
static Error *option_boolean(const AstOption *option, bool *value_out, bool *match_out)
{
    if (match_out != NULL) *match_out = false;
    if (option->value == NULL) {
        *value_out = true;
        return NULL;
    }
    if (option->value->kind == AST_EXPR_BOOL) {
        *value_out = option->value->bool_value;
        return NULL;
    }
    char text[64];
    TRY(option_string(option, text, sizeof text));
    if (strcasecmp(text, "true") == 0 || strcasecmp(text, "on") == 0 || strcmp(text, "1") == 0) {
        *value_out = true;
        return NULL;
    }
    if (strcasecmp(text, "false") == 0 || strcasecmp(text, "off") == 0 ||
        strcmp(text, "0") == 0) {
        *value_out = false;
        return NULL;
    }
    if (match_out != NULL && strcasecmp(text, "match") == 0) {
        *value_out = true;
        *match_out = true;
        return NULL;
    }
    if (match_out != NULL) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "%s requires a Boolean value or \"match\"",
                       option->name);
    }
    return err_new(SQLSTATE_SYNTAX_ERROR, "%s requires a Boolean value", option->name);
}

/* column_flags: the per-column flags of FORCE_QUOTE / FORCE_NOT_NULL / FORCE_NULL. */
static Error *column_flags(CopyState *state, const AstOption *option, const char *label,
                           bool *all_out, bool **flags_out)
{
    const AstExpr *value = option->value;
    if (value != NULL && value->kind == AST_EXPR_STRING && strcmp(value->text, "*") == 0 &&
        all_out != NULL) {
        *all_out = true;
        return NULL;
    }
    if (value == NULL || value->names == NULL) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "argument to option \"%s\" must be a list of "
                       "column names", option->name);
    }
    bool *flags = arena_calloc(state->arena, state->column_count + 1);
    if (flags == NULL) return copy_oom();
    for (int idx = 0; idx < ast_list_count(value->names); idx++) {
        const char *name = value->names->items[idx];
        uint32_t found = UINT32_MAX;
        for (uint32_t col = 0; col < state->column_count; col++) {
            if (strcmp(state->column_names[col], name) == 0) found = col;
        }
        if (found == UINT32_MAX) {
            const CatTable *table = state->table;
            bool in_table = false;
            for (uint16_t col = 0; table != NULL && col < table->column_count; col++) {
                if (!table->columns[col].dropped && strcmp(table->columns[col].name, name) == 0) {
                    in_table = true;
                }
            }
            if (table == NULL) {
                return err_new(SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" does not exist", name);
            }
            if (!in_table) {
                return err_new(SQLSTATE_UNDEFINED_COLUMN,
                               "column \"%s\" of relation \"%s\" does not exist", name,
                               table->name);
            }
            return err_new(SQLSTATE_INVALID_COLUMN_REFERENCE,
                           "%s column \"%s\" not referenced by COPY", label, name);
        }
        flags[found] = true;
    }
    *flags_out = flags;
    return NULL;
}

static Error *single_byte(const AstOption *option, const char *what, char *out)
{
    char text[256];
    TRY(option_string(option, text, sizeof text));
    if (strlen(text) != 1 || (unsigned char)text[0] >= 0x80) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY %s must be a single one-byte "
                       "character", what);
    }
    *out = text[0];
    return NULL;
}

static Error *parse_options(CopyState *state, const AstCopy *copy)
{
    CopyOptions *opt = &state->opt;
    bool seen_format = false, seen_delim = false, seen_null = false, seen_header = false;
    bool seen_quote = false, seen_escape = false, seen_freeze = false, seen_encoding = false;
    const AstOption *force_quote = NULL, *force_not_null = NULL, *force_null = NULL;
    char null_text[1024];
    opt->format = COPY_FORMAT_TEXT;
    for (int idx = 0; idx < ast_list_count(copy->options); idx++) {
        const AstOption *option = copy->options->items[idx];
        const char *name = option->name;
        bool *seen = NULL;
        if (strcmp(name, "format") == 0) seen = &seen_format;
        else if (strcmp(name, "delimiter") == 0) seen = &seen_delim;
        else if (strcmp(name, "null") == 0) seen = &seen_null;
        else if (strcmp(name, "header") == 0) seen = &seen_header;
        else if (strcmp(name, "quote") == 0) seen = &seen_quote;
        else if (strcmp(name, "escape") == 0) seen = &seen_escape;
        else if (strcmp(name, "freeze") == 0) seen = &seen_freeze;
        else if (strcmp(name, "encoding") == 0) seen = &seen_encoding;
        if (seen != NULL) {
            if (*seen) return err_new(SQLSTATE_SYNTAX_ERROR, "conflicting or redundant options");
            *seen = true;
        }
        if (strcmp(name, "format") == 0) {
            char text[64];
            TRY(option_string(option, text, sizeof text));
            if (strcasecmp(text, "text") == 0) opt->format = COPY_FORMAT_TEXT;
            else if (strcasecmp(text, "csv") == 0) opt->format = COPY_FORMAT_CSV;
            else if (strcasecmp(text, "binary") == 0) opt->format = COPY_FORMAT_BINARY;
            else {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "COPY format \"%s\" not recognized", text);
            }
        } else if (strcmp(name, "delimiter") == 0) {
            char text[256];
            TRY(option_string(option, text, sizeof text));
            if (strlen(text) != 1 || (unsigned char)text[0] >= 0x80) {
                return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "COPY delimiter must be a single one-byte character");
            }
            opt->delim = text[0];
        } else if (strcmp(name, "null") == 0) {
            TRY(option_string(option, null_text, sizeof null_text));
            opt->null_str = arena_strdup(state->arena, null_text);
            if (opt->null_str == NULL) return copy_oom();
        } else if (strcmp(name, "header") == 0) {
            TRY(option_boolean(option, &opt->header, &opt->header_match));
        } else if (strcmp(name, "quote") == 0) {
            TRY(single_byte(option, "quote", &opt->quote));
        } else if (strcmp(name, "escape") == 0) {
            TRY(single_byte(option, "escape", &opt->escape));
        } else if (strcmp(name, "freeze") == 0) {
            TRY(option_boolean(option, &opt->freeze, NULL));
        } else if (strcmp(name, "encoding") == 0) {
            char text[64];
            TRY(option_string(option, text, sizeof text));
            if (strcasecmp(text, "utf8") != 0 && strcasecmp(text, "utf-8") != 0 &&
                strcasecmp(text, "sql_ascii") != 0 && strcasecmp(text, "unicode") != 0) {
                return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "COPY encoding \"%s\" is not supported (only UTF8)", text);
            }
        } else if (strcmp(name, "force_quote") == 0) {
            if (force_quote != NULL) {
                return err_new(SQLSTATE_SYNTAX_ERROR, "conflicting or redundant options");
            }
            force_quote = option;
        } else if (strcmp(name, "force_not_null") == 0) {
            if (force_not_null != NULL) {
                return err_new(SQLSTATE_SYNTAX_ERROR, "conflicting or redundant options");
            }
            force_not_null = option;
        } else if (strcmp(name, "force_null") == 0) {
            if (force_null != NULL) {
                return err_new(SQLSTATE_SYNTAX_ERROR, "conflicting or redundant options");
            }
            force_null = option;
        } else if (strcmp(name, "default") == 0) {
            return err_new(SQLSTATE_SYNTAX_ERROR, "option \"%s\" not recognized", name);
        } else {
            return err_new(SQLSTATE_SYNTAX_ERROR, "option \"%s\" not recognized", name);
        }
    }
    /* PostgreSQL's ProcessCopyOptions checks, in its order */
    bool binary = opt->format == COPY_FORMAT_BINARY;
    bool csv = opt->format == COPY_FORMAT_CSV;
    if (binary && seen_delim) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "cannot specify DELIMITER in BINARY mode");
    }
    if (binary && seen_null) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "cannot specify NULL in BINARY mode");
    }
    if (!seen_delim) opt->delim = csv ? ',' : '\t';
    if (!seen_null) opt->null_str = csv ? "" : "\\N";
    opt->null_size = strlen(opt->null_str);
    if (csv) {
        if (!seen_quote) opt->quote = '"';
        if (!seen_escape) opt->escape = opt->quote;
    }
    if (opt->delim == '\n' || opt->delim == '\r') {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "COPY delimiter cannot be newline or carriage return");
    }
    if (strchr(opt->null_str, '\r') != NULL || strchr(opt->null_str, '\n') != NULL) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "COPY null representation cannot use newline or carriage return");
    }
    if (!csv && !binary && strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", opt->delim) != NULL) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "COPY delimiter cannot be \"%c\"",
                       opt->delim);
    }
    if (binary && seen_header) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot specify HEADER in BINARY mode");
    }
    if (!csv && seen_quote) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY quote available only in CSV mode");
    }
    if (csv && opt->delim == opt->quote) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "COPY delimiter and quote must be different");
    }
    if (!csv && seen_escape) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY escape available only in CSV mode");
    }
    if (!csv && force_quote != NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "COPY force quote available only in CSV mode");
    }
    if (force_quote != NULL && copy->is_from) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "COPY force quote only available using COPY TO");
    }
    if (!csv && force_not_null != NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "COPY force not null available only in CSV mode");
    }
    if (force_not_null != NULL && !copy->is_from) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "COPY force not null only available using COPY FROM");
    }
    if (!csv && force_null != NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "COPY force null available only in CSV mode");
    }
    if (force_null != NULL && !copy->is_from) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "COPY force null only available using COPY FROM");
    }
    if (!binary && opt->null_size > 0 && memchr(opt->null_str, opt->delim, opt->null_size)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "COPY delimiter must not appear in the NULL specification");
    }
    if (csv && opt->null_size > 0 && memchr(opt->null_str, opt->quote, opt->null_size)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "CSV quote character must not appear in the NULL specification");
    }
    if (opt->header_match && !copy->is_from) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "cannot use \"match\" with HEADER in COPY TO");
    }
    if (force_quote != NULL) {
        TRY(column_flags(state, force_quote, "FORCE_QUOTE", &opt->force_quote_all,
                         &opt->force_quote));
    }
    if (force_not_null != NULL) {
        TRY(column_flags(state, force_not_null, "FORCE_NOT_NULL", NULL, &opt->force_not_null));
    }
    if (force_null != NULL) {
        TRY(column_flags(state, force_null, "FORCE_NULL", NULL, &opt->force_null));
    }
    return NULL;
}

/* ------------------------------------------------------------------ tables ---- */

static Error *resolve_table(birch_db *db, const AstList *name, const CatTable **table_out)
{
    Catalog *catalog = engine_catalog(db->engine);
    int count = ast_list_count(name);
    const char *relname = name->items[count - 1];
    if (count == 1) {
        TRY(catalog_lookup_path(catalog, db->txn, db->search_path, db->search_path_count,
                                relname, table_out));
    } else {
        uint32_t namespace_oid = 0;
        TRY(catalog_lookup_namespace(catalog, db->txn, name->items[count - 2], &namespace_oid));
        if (namespace_oid == 0) {
            return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist",
                           (const char *)name->items[count - 2]);
        }
        TRY(catalog_lookup(catalog, db->txn, namespace_oid, relname, table_out));
    }
    if (*table_out == NULL || (*table_out)->kind == CAT_KIND_INDEX ||
        (*table_out)->kind == 'n') {
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", relname);
    }
    return NULL;
}

/* quote_ident_into: "name" with doubled quotes appended to buf. */
static Error *append_text(char **buf, size_t *size, size_t *cap, const char *text)
{
    size_t len = strlen(text);
    TRY(copy_buf_room(buf, cap, *size + len + 1));
    memcpy(*buf + *size, text, len + 1);
    *size += len;
    return NULL;
}

static Error *append_ident(char **buf, size_t *size, size_t *cap, const char *name)
{
    TRY(append_text(buf, size, cap, "\""));
    for (const char *p = name; *p != '\0'; p++) {
        char one[3] = {*p, '\0', '\0'};
        if (*p == '"') one[1] = '"';
        TRY(append_text(buf, size, cap, one));
    }
    return append_text(buf, size, cap, "\"");
}

/* table_columns: the copied columns (the list given, or every live column) of the table. */
static Error *table_columns(CopyState *state, const AstCopy *copy)
{
    const CatTable *table = state->table;
    int given = ast_list_count(copy->columns);
    uint32_t count = 0;
    if (given > 0) {
        count = (uint32_t)given;
    } else {
        for (uint16_t col = 0; col < table->column_count; col++) {
            if (!table->columns[col].dropped) count++;
        }
    }
    state->column_count = count;
    state->column_names = arena_calloc(state->arena, (count + 1) * sizeof(char *));
    state->attnums = arena_calloc(state->arena, (count + 1) * sizeof(int16_t));
    if (state->column_names == NULL || state->attnums == NULL) return copy_oom();
    uint32_t out = 0;
    if (given == 0) {
        for (uint16_t col = 0; col < table->column_count; col++) {
            if (table->columns[col].dropped) continue;
            state->column_names[out] = table->columns[col].name;
            state->attnums[out] = (int16_t)(col + 1);
            out++;
        }
        return NULL;
    }
    for (int idx = 0; idx < given; idx++) {
        const char *name = copy->columns->items[idx];
        int16_t attnum = 0;
        for (uint16_t col = 0; col < table->column_count; col++) {
            if (!table->columns[col].dropped && strcmp(table->columns[col].name, name) == 0) {
                attnum = (int16_t)(col + 1);
            }
        }
        if (attnum == 0) {
            return err_new(SQLSTATE_UNDEFINED_COLUMN,
                           "column \"%s\" of relation \"%s\" does not exist", name, table->name);
        }
        for (uint32_t prev = 0; prev < out; prev++) {
            if (state->attnums[prev] == attnum) {
                return err_new(SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" specified more than once",
                               name);
            }
        }
        state->column_names[out] = table->columns[attnum - 1].name;
        state->attnums[out] = attnum;
        out++;
    }
    return NULL;
}

/* insert_sql: INSERT INTO "ns"."t" ("a", ...) SELECT * FROM (VALUES (NULL::type, ...)) s. */
static Error *insert_sql(CopyState *state, char **sql_out)
{
    char *buf = NULL;
    size_t size = 0, cap = 0;
    Error *err = append_text(&buf, &size, &cap, "INSERT INTO ");
    if (err == NULL) err = append_ident(&buf, &size, &cap, state->table->namespace_name);
    if (err == NULL) err = append_text(&buf, &size, &cap, ".");
    if (err == NULL) err = append_ident(&buf, &size, &cap, state->table->name);
    if (err == NULL) err = append_text(&buf, &size, &cap, " (");
    for (uint32_t col = 0; err == NULL && col < state->column_count; col++) {
        if (col > 0) err = append_text(&buf, &size, &cap, ", ");
        if (err == NULL) err = append_ident(&buf, &size, &cap, state->column_names[col]);
    }
    bool overriding = false;
    for (uint32_t col = 0; col < state->column_count; col++) {
        if (state->table->columns[state->attnums[col] - 1].identity == 'a') overriding = true;
    }
    /* COPY writes the values given to GENERATED ALWAYS identity columns, as PostgreSQL does */
    if (err == NULL && overriding) err = append_text(&buf, &size, &cap, ") OVERRIDING SYSTEM VALUE");
    else if (err == NULL) err = append_text(&buf, &size, &cap, ")");
    if (err == NULL) err = append_text(&buf, &size, &cap, " SELECT * FROM (VALUES (");
    for (uint32_t col = 0; err == NULL && col < state->column_count; col++) {
        const CatColumn *column = &state->table->columns[state->attnums[col] - 1];
        char piece[128];
        snprintf(piece, sizeof piece, "%sNULL::%s", col > 0 ? ", " : "",
                 type_name(column->type.id));
        err = append_text(&buf, &size, &cap, piece);
    }
    if (err == NULL) err = append_text(&buf, &size, &cap, ")) AS copy_source");
    if (err != NULL) {
        free(buf);
        return err;
    }
    *sql_out = buf;
    return NULL;
}

/* ------------------------------------------------------------------ run ---- */

static Error *ctx_init(CopyState *state)
{
    birch_db *db = state->db;
    const char *dir = getenv("TMPDIR");
    state->ctx = (ExecCtx){
        .arena = state->arena,
        .txn = db->txn,
        .catalog = engine_catalog(db->engine),
        .dt = &db->dt,
        .interrupt = &db->interrupt,
        .work_mem = db->work_mem,
        .temp_dir = dir != NULL && *dir != '\0' ? dir : "/tmp",
        .hooks = sess_hooks(db),
    };
    return NULL;
}

static Error *file_error(const char *path, const char *mode)
{
    int saved = errno;
    SqlState code = saved == ENOENT   ? SQLSTATE_UNDEFINED_FILE
                    : saved == EACCES ? SQLSTATE_INSUFFICIENT_PRIVILEGE
                                      : SQLSTATE_IO_ERROR;
    return err_new(code, "could not open file \"%s\" for %s: %s", path, mode, strerror(saved));
}

/* run_from_file: read the file through the same parser as STDIN. */
static Error *run_from_file(CopyState *state, const char *path)
{
    struct stat info;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is a directory", path);
    }
    FILE *file = fopen(path, "rb");
    if (file == NULL) return file_error(path, "reading");
    state->file = file;
    char *chunk = malloc(COPY_FILE_CHUNK);
    if (chunk == NULL) return copy_oom();
    Error *err = NULL;
    for (;;) {
        size_t got = fread(chunk, 1, COPY_FILE_CHUNK, file);
        if (got > 0) err = copy_in_feed(state, chunk, got);
        if (err != NULL) break;
        if (got < COPY_FILE_CHUNK) {
            if (ferror(file)) {
                err = err_new(SQLSTATE_IO_ERROR, "could not read from COPY file: %s",
                              strerror(errno));
            }
            break;
        }
    }
    free(chunk);
    if (err == NULL) err = copy_in_finish(state);
    return err;
}

static Error *run_to_file(CopyState *state, const char *path)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL) return file_error(path, "writing");
    state->file = file;
    for (;;) {
        bool have = false;
        TRY(copy_out_next(state, &have));
        if (!have) break;
        if (state->out_size > 0 && fwrite(state->out_buf, 1, state->out_size, file) !=
                                       state->out_size) {
            return err_new(SQLSTATE_IO_ERROR, "could not write to COPY file: %s",
                           strerror(errno));
        }
    }
    state->file = NULL;
    if (fclose(file) != 0) {
        return err_new(SQLSTATE_IO_ERROR, "could not close file \"%s\": %s", path,
                       strerror(errno));
    }
    return NULL;
}

/* run_to_exec: birch_exec's COPY TO STDOUT: each row to the callback. */
static Error *run_to_exec(CopyState *state)
{
    if (state->opt.format == COPY_FORMAT_BINARY) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "COPY TO STDOUT in binary format is not supported by birch_exec");
    }
    const char *names[2] = {"COPY", NULL};
    for (;;) {
        bool have = false;
        TRY(copy_out_next(state, &have));
        if (!have) break;
        if (state->exec_callback == NULL) continue;
        size_t size = state->out_size;
        if (size > 0 && state->out_buf[size - 1] == '\n') size--;
        if (size > 0 && state->out_buf[size - 1] == '\r') size--;
        TRY(copy_buf_room(&state->out_buf, &state->out_cap, size + 1));
        state->out_buf[size] = '\0';
        const char *values[2] = {state->out_buf, NULL};
        if (state->exec_callback(state->exec_ctx, 1, values, names) != 0) {
            return err_new(SQLSTATE_QUERY_CANCELED, "canceling statement due to user request");
        }
    }
    return NULL;
}

static void set_done_tag(CopyState *state)
{
    char tag[64];
    snprintf(tag, sizeof tag, "COPY %llu", (unsigned long long)state->rows);
    sess_set_tag(state->stmt, tag);
    state->stmt->ctx.changes = state->rows;
    state->db->changes = state->rows;
}

static Error *copy_setup(CopyState *state, const AstStmt *ast)
{
    birch_stmt *stmt = state->stmt;
    birch_db *db = stmt->db;
    const AstCopy *copy = ast->u.copy;
    if (copy->program) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "COPY ... PROGRAM is not supported");
    }
    if (copy->where != NULL) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, copy->where->position,
                      "COPY FROM ... WHERE is not supported");
    }
    if (db->txn == NULL) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "COPY runs without a transaction");
    }
    state->arena = arena_create(16384);
    if (state->arena == NULL) return copy_oom();
    state->txn = db->txn;
    state->is_from = copy->is_from;
    TRY(ctx_init(state));
    if (copy->table != NULL) {
        const CatTable *table = NULL;
        TRY(resolve_table(db, copy->table, &table));
        state->table = table;
        state->rel_name = table->name;
        if (table->kind == CAT_KIND_VIEW) {
            if (copy->is_from) {
                return err_set_hint(err_new(SQLSTATE_WRONG_OBJECT_TYPE,
                                            "cannot copy to view \"%s\"", table->name),
                                    "To enable copying to a view, provide an INSTEAD OF "
                                    "INSERT trigger.");
            }
            return err_set_hint(err_new(SQLSTATE_WRONG_OBJECT_TYPE,
                                        "cannot copy from view \"%s\"", table->name),
                                "Try the COPY (SELECT ...) TO variant.");
        }
        if (table->kind == CAT_KIND_SEQUENCE) {
            return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "cannot copy %s sequence \"%s\"",
                           copy->is_from ? "to" : "from", table->name);
        }
        if (table->kind != CAT_KIND_TABLE) {
            return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "cannot copy %s relation \"%s\"",
                           copy->is_from ? "to" : "from", table->name);
        }
        TRY(table_columns(state, copy));
    }
    const char *sql = stmt->prepared->sql;
    if (!copy->is_from) TRY(copy_out_begin(state, copy, sql));
    TRY(parse_options(state, copy));
    if (state->opt.freeze && copy->is_from && !db->block && db->exec_hold == 0) {
        /* PostgreSQL: FREEZE needs the table created or truncated in this (sub)transaction;
         * a single implicit transaction cannot have done that */
        return err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "cannot perform COPY FREEZE because the table was not created or "
                       "truncated in the current subtransaction");
    }
    if (!copy->is_from) return NULL;
    char *insert = NULL;
    TRY(insert_sql(state, &insert));
    Error *err = copy_in_begin(state, insert);
    free(insert);
    return err;
}

Error *copy_run(birch_stmt *stmt, const AstStmt *ast)
{
    CopyState *state = state_get(stmt);
    if (state == NULL) return copy_oom();
    state_clear(state);
    const AstCopy *copy = ast->u.copy;
    Error *err = copy_setup(state, ast);
    if (err == NULL && copy->filename != NULL) {
        err = copy->is_from ? run_from_file(state, copy->filename)
                            : run_to_file(state, copy->filename);
        if (err == NULL) set_done_tag(state);
    } else if (err == NULL && state->exec_mode) {
        if (copy->is_from) {
            err = err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                         "COPY FROM STDIN is not supported by birch_exec (it has no data "
                         "source): use birch_prepare, birch_step and birch_copy_put");
        } else {
            err = run_to_exec(state);
            if (err == NULL) set_done_tag(state);
        }
    } else if (err == NULL) {
        state->pending = copy->is_from ? BIRCH_COPY_IN : BIRCH_COPY_OUT;
        sess_exec_begin(stmt->db);
        state->held = true;
        return NULL;
    }
    state_clear(state);
    if (!state->exec_mode) state_free(state);
    return err;
}

/* ------------------------------------------------------------------ streaming ---- */

int copy_step_status(birch_stmt *stmt, int status)
{
    if (status != BIRCH_DONE) return status;
    CopyState *state = state_find(stmt);
    if (state == NULL || state->pending == 0) return status;
    return state->pending;
}

/* finish: the pending COPY ends (err NULL: success); the transaction follows. */
static Error *finish(CopyState *state, Error *err)
{
    birch_db *db = state->db;
    bool held = state->held;
    bool txn_alive = db->txn == state->txn && db->txn != NULL;
    if (err == NULL) set_done_tag(state);
    state_clear(state);
    if (err != NULL && txn_alive) sess_statement_failed(db);
    if (held) {
        if (err == NULL && !txn_alive) {
            err = err_new(SQLSTATE_INVALID_CURSOR_STATE,
                          "COPY was closed because its transaction ended");
        }
        sess_exec_end(db, err != NULL);
    }
    if (!state->exec_mode) state_free(state);
    return err;
}

static Error *pending_check(CopyState *state, int kind)
{
    if (state == NULL || state->pending == 0) {
        return err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, "no COPY is in progress");
    }
    if (state->pending != kind) {
        return err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, kind == BIRCH_COPY_IN
                       ? "the COPY in progress is a COPY TO STDOUT"
                       : "the COPY in progress is a COPY FROM STDIN");
    }
    if (state->db->txn != state->txn || state->db->txn == NULL) {
        return finish(state, err_new(SQLSTATE_INVALID_CURSOR_STATE,
                                     "COPY was closed because its transaction ended"));
    }
    return NULL;
}

int copy_api_format(birch_stmt *stmt, int *column_count_out, Error **err_out)
{
    *err_out = NULL;
    if (column_count_out != NULL) *column_count_out = 0;
    CopyState *state = state_find(stmt);
    if (state == NULL || state->pending == 0) {
        *err_out = err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, "no COPY is in progress");
        return BIRCH_ERROR;
    }
    if (column_count_out != NULL) *column_count_out = (int)state->column_count;
    return state->opt.format == COPY_FORMAT_BINARY ? BIRCH_FORMAT_BINARY : BIRCH_FORMAT_TEXT;
}

int copy_api_put(birch_stmt *stmt, const void *data, size_t size, Error **err_out)
{
    CopyState *state = state_find(stmt);
    *err_out = pending_check(state, BIRCH_COPY_IN);
    if (*err_out != NULL) return BIRCH_ERROR;
    Error *err = copy_in_feed(state, data, size);
    if (err == NULL) err = exec_check_interrupt(&state->ctx);
    if (err != NULL) {
        *err_out = finish(state, err);
        return BIRCH_ERROR;
    }
    return BIRCH_OK;
}

int copy_api_end(birch_stmt *stmt, const char *error_message, Error **err_out)
{
    CopyState *state = state_find(stmt);
    *err_out = pending_check(state, BIRCH_COPY_IN);
    if (*err_out != NULL) return BIRCH_ERROR;
    Error *err = NULL;
    if (error_message != NULL) {
        err = err_new(SQLSTATE_QUERY_CANCELED, "COPY from stdin failed: %s", error_message);
    } else {
        err = copy_in_finish(state);
    }
    *err_out = finish(state, err);
    return *err_out != NULL ? BIRCH_ERROR : BIRCH_DONE;
}

int copy_api_get(birch_stmt *stmt, const void **data_out, size_t *size_out, Error **err_out)
{
    *data_out = NULL;
    *size_out = 0;
    CopyState *state = state_find(stmt);
    *err_out = pending_check(state, BIRCH_COPY_OUT);
    if (*err_out != NULL) return BIRCH_ERROR;
    bool have = false;
    Error *err = copy_out_next(state, &have);
    if (err != NULL) {
        *err_out = finish(state, err);
        return BIRCH_ERROR;
    }
    if (have) {
        *data_out = state->out_buf;
        *size_out = state->out_size;
        return BIRCH_ROW;
    }
    *err_out = finish(state, NULL);
    return *err_out != NULL ? BIRCH_ERROR : BIRCH_DONE;
}

void copy_forget(birch_stmt *stmt)
{
    CopyState *state = state_find(stmt);
    if (state == NULL) return;
    if (state->pending != 0) {
        Error *err = NULL;
        if (state->pending == BIRCH_COPY_IN) {
            err = err_new(SQLSTATE_QUERY_CANCELED, "COPY from stdin failed: abandoned");
        }
        err = finish(state, err);
        if (err != NULL) err_free(err);
        state = state_find(stmt);
        if (state == NULL) return;
    }
    state_free(state);
}

void copy_forget_db(birch_db *db)
{
    for (;;) {
        birch_stmt *stmt = NULL;
        pthread_mutex_lock(&registry_mutex);
        for (CopyState *state = registry; state != NULL; state = state->next) {
            if (state->db == db) {
                stmt = state->stmt;
                break;
            }
        }
        pthread_mutex_unlock(&registry_mutex);
        if (stmt == NULL) return;
        copy_forget(stmt);
    }
}

void copy_exec_attach(birch_stmt *stmt, birch_row_fn callback, void *ctx)
{
    if (stmt->prepared->ast == NULL || stmt->prepared->ast->kind != AST_STMT_COPY) return;
    CopyState *state = state_get(stmt);
    if (state == NULL) return;
    state->exec_mode = true;
    state->exec_callback = callback;
    state->exec_ctx = ctx;
}

void copy_exec_detach(birch_stmt *stmt)
{
    CopyState *state = state_find(stmt);
    if (state == NULL) return;
    state->exec_mode = false;
    copy_forget(stmt);
}
