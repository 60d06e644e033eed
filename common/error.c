/* common/error.c: construction and release of Error values. */
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SQLSTATE_CODES[] = {
#define SQLSTATE(name, code) code,
#include "common/sqlstate.def"
#undef SQLSTATE
};

static Error OUT_OF_MEMORY_ERROR = {
    .state = SQLSTATE_OUT_OF_MEMORY,
    .message = "out of memory",
    .is_static = 1,
};

const char *sqlstate_code(SqlState state)
{
    if ((int)state < 0 || state >= SQLSTATE_COUNT) return "XX000";
    return SQLSTATE_CODES[state];
}

SqlState sqlstate_from_code(const char *code)
{
    for (int state_idx = 0; state_idx < SQLSTATE_COUNT; state_idx++) {
        if (strcmp(SQLSTATE_CODES[state_idx], code) == 0) return (SqlState)state_idx;
    }
    return SQLSTATE_INTERNAL_ERROR;
}

static char *format_alloc(const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int size = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (size < 0) return NULL;
    char *text = malloc((size_t)size + 1);
    if (text == NULL) return NULL;
    vsnprintf(text, (size_t)size + 1, fmt, args);
    return text;
}

static char *dup_or_null(const char *text)
{
    if (text == NULL) return NULL;
    return strdup(text);
}

Error *err_newv(SqlState state, const char *fmt, va_list args)
{
    Error *err = calloc(1, sizeof *err);
    if (err == NULL) return &OUT_OF_MEMORY_ERROR;
    err->state = state;
    err->severity = ERR_SEVERITY_ERROR;
    err->message = format_alloc(fmt, args);
    if (err->message == NULL) {
        free(err);
        return &OUT_OF_MEMORY_ERROR;
    }
    return err;
}

Error *err_new(SqlState state, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    Error *err = err_newv(state, fmt, args);
    va_end(args);
    return err;
}

Error *err_at(SqlState state, int position, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    Error *err = err_newv(state, fmt, args);
    va_end(args);
    if (!err->is_static) err->position = position;
    return err;
}

static Error *set_text_field(Error *err, char **field, const char *fmt, va_list args)
{
    if (err == NULL || err->is_static) return err;
    char *text = format_alloc(fmt, args);
    if (text == NULL) return err;   /* the optional field is dropped, the error survives */
    free(*field);
    *field = text;
    return err;
}

Error *err_set_detail(Error *err, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    err = set_text_field(err, err == NULL ? NULL : &err->detail, fmt, args);
    va_end(args);
    return err;
}

Error *err_set_hint(Error *err, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    err = set_text_field(err, err == NULL ? NULL : &err->hint, fmt, args);
    va_end(args);
    return err;
}

Error *err_prefix(Error *err, const char *fmt, ...)
{
    if (err == NULL || err->is_static) return err;
    va_list args;
    va_start(args, fmt);
    char *prefix = format_alloc(fmt, args);
    va_end(args);
    if (prefix == NULL) return err;
    size_t size = strlen(prefix) + 2 + strlen(err->message) + 1;
    char *message = malloc(size);
    if (message != NULL) {
        snprintf(message, size, "%s: %s", prefix, err->message);
        free(err->message);
        err->message = message;
    }
    free(prefix);
    return err;
}

Error *err_set_object(Error *err, const char *schema_name, const char *table_name,
                      const char *column_name, const char *constraint_name)
{
    if (err == NULL || err->is_static) return err;
    if (schema_name != NULL) { free(err->schema_name); err->schema_name = strdup(schema_name); }
    if (table_name != NULL) { free(err->table_name); err->table_name = strdup(table_name); }
    if (column_name != NULL) { free(err->column_name); err->column_name = strdup(column_name); }
    if (constraint_name != NULL) {
        free(err->constraint_name);
        err->constraint_name = strdup(constraint_name);
    }
    return err;
}

Error *err_copy(const Error *err)
{
    if (err->is_static) return (Error *)err;
    Error *copy = calloc(1, sizeof *copy);
    if (copy == NULL) return &OUT_OF_MEMORY_ERROR;
    *copy = (Error){
        .state = err->state,
        .severity = err->severity,
        .message = dup_or_null(err->message),
        .detail = dup_or_null(err->detail),
        .hint = dup_or_null(err->hint),
        .position = err->position,
        .schema_name = dup_or_null(err->schema_name),
        .table_name = dup_or_null(err->table_name),
        .column_name = dup_or_null(err->column_name),
        .constraint_name = dup_or_null(err->constraint_name),
    };
    copy->context = dup_or_null(err->context);   /* sessions: CONTEXT */
    if (copy->message == NULL) {
        err_free(copy);
        return &OUT_OF_MEMORY_ERROR;
    }
    return copy;
}

void err_free(Error *err)
{
    if (err == NULL || err->is_static) return;
    free(err->message);
    free(err->detail);
    free(err->hint);
    free(err->schema_name);
    free(err->table_name);
    free(err->column_name);
    free(err->constraint_name);
    free(err->context);   /* sessions: CONTEXT */
    free(err);
}

/* sessions: the CONTEXT field */
Error *err_set_context(Error *err, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    err = set_text_field(err, err == NULL ? NULL : &err->context, fmt, args);
    va_end(args);
    return err;
}
