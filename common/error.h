/* common/error.h: the one error type. A NULL Error * means success.
 *
 * Anything the outside world can cause (bad SQL, bad client bytes, I/O failure, OOM, a corrupt
 * page) is an Error carrying a SQLSTATE from sqlstate.def. Errors are heap-owned so they outlive
 * the query arena; they travel up to birch.h and wire/ unchanged. */
#ifndef BIRCH_COMMON_ERROR_H
#define BIRCH_COMMON_ERROR_H

#include <stdarg.h>

typedef enum SqlState {
#define SQLSTATE(name, code) SQLSTATE_##name,
#include "common/sqlstate.def"
#undef SQLSTATE
    SQLSTATE_COUNT
} SqlState;

typedef enum ErrSeverity {
    ERR_SEVERITY_ERROR = 0, /* the statement failed */
    ERR_SEVERITY_FATAL,     /* the session cannot go on */
    ERR_SEVERITY_PANIC,     /* the database cannot go on (e.g. fsync failed) */
    ERR_SEVERITY_WARNING,   /* notices travel as errors of lower severity */
    ERR_SEVERITY_NOTICE,
} ErrSeverity;

typedef struct Error {
    SqlState    state;
    ErrSeverity severity;
    char       *message;         /* one line, lower-case start, no period */
    char       *detail;          /* optional, NULL if none */
    char       *hint;            /* optional, NULL if none */
    int         position;        /* 1-based offset into the query text, 0 if none */
    char       *schema_name;     /* optional object names, NULL if none */
    char       *table_name;
    char       *column_name;
    char       *constraint_name;
    int         is_static;       /* the static out-of-memory error: err_free ignores it */
    char       *context;         /* sessions: optional CONTEXT lines (PostgreSQL's 'W' field, e.g.
                                  * "COPY t, line 3, column a: \"x\""), NULL if none */
} Error;

/* err_new: a new error with a printf-style message. Never NULL: on OOM it returns a static
 * out-of-memory error that err_free ignores. */
Error *err_new(SqlState state, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Error *err_newv(SqlState state, const char *fmt, va_list args);
/* err_at: as err_new, with a 1-based position in the query text. */
Error *err_at(SqlState state, int position, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* err_set_detail / err_set_hint: attach optional fields; return err for chaining. */
Error *err_set_detail(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Error *err_set_hint(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_set_object: attach schema/table/column/constraint names (any may be NULL). */
Error *err_set_object(Error *err, const char *schema_name, const char *table_name,
                      const char *column_name, const char *constraint_name);
/* err_set_context (sessions): set the CONTEXT field (replacing one already set); returns err. */
Error *err_set_context(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_prefix: prepend "prefix: " to the message (used to add context on the way up). */
Error *err_prefix(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_copy: a deep copy (never NULL). */
Error *err_copy(const Error *err);
const char *sqlstate_code(SqlState state);   /* "23505" */
/* sqlstate_from_code: the SqlState for a five-character code; SQLSTATE_INTERNAL_ERROR if unknown. */
SqlState    sqlstate_from_code(const char *code);
void        err_free(Error *err);

#define TRY(expr)                         \
    do {                                  \
        Error *err_ = (expr);             \
        if (err_ != NULL) return err_;    \
    } while (0)

#endif
