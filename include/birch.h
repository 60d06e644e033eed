/* include/birch.h: birch's public C API, the one way to run SQL.
 *
 * An application opens a database file and runs PostgreSQL-dialect SQL on it; the server
 * (wire/) is a client of exactly this API. Every handle on one file within a process shares one
 * engine instance (found by device and inode); another process is refused with an error naming
 * the holder.
 *
 * Threads: a birch_db and its statements are used by one thread at a time; several birch_db
 * handles on one file run concurrently from several threads, each with its own transaction.
 * birch_interrupt is the only call that may come from another thread.
 *
 * Statements and portals: birch_prepare compiles SQL once (parse, bind, plan) into a
 * birch_stmt. Stepping a statement executes it with its current bindings. A statement can be
 * cloned (birch_stmt_clone): the clone shares the plan but has its own bindings and execution
 * state, which is how the server keeps several portals of one prepared statement open at
 * once. A statement that is stepped part way and then left alone is a suspended portal: its
 * next birch_step continues where it stopped.
 *
 * Errors: a function returning int returns BIRCH_OK (or BIRCH_ROW / BIRCH_DONE / ...) on
 * success and BIRCH_ERROR on failure; the error, with every PostgreSQL field, is then
 * birch_last_error(db) until the next call on that db. After an error inside an explicit
 * transaction, statements fail with 25P02 until ROLLBACK, as in PostgreSQL.
 *
 * Example:
 *     birch_db *db;
 *     if (birch_open("app.birch", NULL, &db) != BIRCH_OK) { ...; }
 *     birch_exec(db, "CREATE TABLE t(id int PRIMARY KEY, name text)", NULL, NULL);
 *     birch_stmt *stmt;
 *     birch_prepare(db, "INSERT INTO t VALUES ($1, $2)", -1, &stmt, NULL);
 *     birch_bind_int64(stmt, 1, 42);
 *     birch_bind_text(stmt, 2, "birch", -1);
 *     if (birch_step(stmt) != BIRCH_DONE) fprintf(stderr, "%s\n", birch_last_error(db)->message);
 *     birch_finalize(stmt);
 *     birch_close(db);
 */
#ifndef BIRCH_H
#define BIRCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct birch_db   birch_db;
typedef struct birch_stmt birch_stmt;

enum {
    BIRCH_OK = 0,
    BIRCH_ERROR = 1,
    BIRCH_ROW = 100,        /* birch_step: a row is ready for the column accessors */
    BIRCH_DONE = 101,       /* birch_step: finished; birch_command_tag is set */
    BIRCH_COPY_IN = 102,    /* birch_step: COPY ... FROM STDIN wants data: birch_copy_put/end */
    BIRCH_COPY_OUT = 103,   /* birch_step: COPY ... TO STDOUT has data: birch_copy_get */
};

/* Value formats, as in the PostgreSQL protocol. */
enum { BIRCH_FORMAT_TEXT = 0, BIRCH_FORMAT_BINARY = 1 };

/* A few type OIDs (PostgreSQL's values; every type birch has uses PostgreSQL's OID). */
enum {
    BIRCH_OID_BOOL = 16, BIRCH_OID_BYTEA = 17, BIRCH_OID_NAME = 19, BIRCH_OID_INT8 = 20,
    BIRCH_OID_INT2 = 21, BIRCH_OID_INT4 = 23, BIRCH_OID_TEXT = 25, BIRCH_OID_OID = 26,
    BIRCH_OID_FLOAT4 = 700, BIRCH_OID_FLOAT8 = 701, BIRCH_OID_UNKNOWN = 705,
    BIRCH_OID_BPCHAR = 1042, BIRCH_OID_VARCHAR = 1043, BIRCH_OID_DATE = 1082,
    BIRCH_OID_TIME = 1083, BIRCH_OID_TIMESTAMP = 1114, BIRCH_OID_TIMESTAMPTZ = 1184,
    BIRCH_OID_INTERVAL = 1186, BIRCH_OID_NUMERIC = 1700, BIRCH_OID_UUID = 2950,
};

/* birch_error: every field of a PostgreSQL ErrorResponse / NoticeResponse. Strings are never
 * NULL for severity, sqlstate and message; optional fields are NULL when absent. */
typedef struct birch_error {
    const char *severity;          /* "ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", ... */
    const char *sqlstate;          /* five characters, e.g. "23505" */
    const char *message;
    const char *detail;
    const char *hint;
    int         position;          /* 1-based character position in the statement, 0 if none */
    const char *schema_name;
    const char *table_name;
    const char *column_name;
    const char *constraint_name;
    /* ---- added by sessions: PostgreSQL's CONTEXT field ('W'): where the error happened,
     * e.g. "COPY t, line 3, column a: \"x\""; NULL if none ---- */
    const char *context;
    /* ---- end of the block added by sessions ---- */
} birch_error;

typedef struct birch_open_options {
    size_t      struct_size;       /* sizeof(birch_open_options), for compatibility */
    bool        create;            /* create the file if missing (default when options NULL) */
    bool        read_only;
    size_t      pool_size;         /* buffer pool bytes; 0: default. The first open of a file
                                    * in a process decides it. */
    const char *user;              /* the session's role; NULL: the database owner */
    const char *application_name;
    const char *database;          /* the name current_database() and pg_database report
                                    * (the server's database name); NULL: the file's name
                                    * without ".birch". The first open of a file decides it. */
} birch_open_options;

/* ---- databases and sessions ---- */

/* birch_open: a session on the database file at path (options may be NULL: create if missing,
 * default pool). On failure *db_out is still set (to a handle whose birch_last_error explains)
 * unless memory ran out (then NULL); close it with birch_close. */
int  birch_open(const char *path, const birch_open_options *options, birch_db **db_out);
/* birch_close: roll back an open transaction, finalize the session's statements, close. The
 * last handle on a file closes the engine cleanly (a closed database is exactly one file). */
int  birch_close(birch_db *db);
const birch_error *birch_last_error(const birch_db *db);
/* birch_interrupt: from any thread: the statement running on db stops with 57014
 * ("canceling statement due to user request"); a no-op when idle. */
void birch_interrupt(birch_db *db);
/* birch_txn_status: 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
char birch_txn_status(const birch_db *db);
/* birch_changes: rows inserted, updated, deleted or copied by the last statement. */
uint64_t birch_changes(const birch_db *db);

/* Session settings (what SET / SHOW / RESET change): search_path, statement_timeout,
 * lock_timeout, idle_in_transaction_session_timeout, work_mem, DateStyle, IntervalStyle,
 * TimeZone, client_encoding, application_name, default_transaction_isolation, ...
 * birch_set fails with 42704 for an unknown setting and 22023 for a bad value, as SET does. */
int         birch_set(birch_db *db, const char *name, const char *value);
const char *birch_show(birch_db *db, const char *name);   /* NULL if unknown; valid until next call */
/* birch_parameter_hook: called when a setting PostgreSQL reports to clients (ParameterStatus:
 * server_version, client_encoding, DateStyle, IntervalStyle, TimeZone, application_name,
 * is_superuser, session_authorization, standard_conforming_strings, integer_datetimes, ...)
 * changes, and once per such setting by birch_report_parameters. */
typedef void (*birch_parameter_fn)(void *ctx, const char *name, const char *value);
void birch_set_parameter_hook(birch_db *db, birch_parameter_fn hook, void *ctx);
void birch_report_parameters(birch_db *db);
/* birch_notice_hook: receives NOTICE/WARNING messages raised while a statement runs. */
typedef void (*birch_notice_fn)(void *ctx, const birch_error *notice);
void birch_set_notice_hook(birch_db *db, birch_notice_fn hook, void *ctx);

/* birch_role_verifier: look up role's login rights and password verifier (a SCRAM-SHA-256
 * verifier, an md5 hash or NULL) for the server's authentication; 28000 if the role does not
 * exist or cannot log in. *verifier_out points into db until the next call. */
int birch_role_verifier(birch_db *db, const char *role, const char **verifier_out);

/* ---- running SQL ---- */

/* birch_exec: run every statement of sql (simple query protocol semantics: an implicit
 * transaction around the whole string unless it has BEGIN/COMMIT). callback, if not NULL, gets
 * each result row as text (NULL for SQL NULL); returning non-zero stops with 57014. */
typedef int (*birch_row_fn)(void *ctx, int column_count, const char *const *values,
                            const char *const *names);
int birch_exec(birch_db *db, const char *sql, birch_row_fn callback, void *ctx);

/* birch_prepare: compile the first statement of sql (sql_size -1: NUL-terminated). *tail_out
 * (if not NULL) points after it. An empty statement gives *stmt_out NULL and BIRCH_OK. */
int birch_prepare(birch_db *db, const char *sql, int sql_size, birch_stmt **stmt_out,
                  const char **tail_out);
/* birch_prepare_typed: as birch_prepare with declared parameter types (0: infer), as in the
 * protocol's Parse message. */
int birch_prepare_typed(birch_db *db, const char *sql, int sql_size, int param_type_count,
                        const uint32_t *param_type_oids, birch_stmt **stmt_out,
                        const char **tail_out);
/* birch_stmt_clone: a new execution of stmt's plan with its own bindings and state (a portal). */
int  birch_stmt_clone(birch_stmt *stmt, birch_stmt **clone_out);
int  birch_finalize(birch_stmt *stmt);     /* NULL is allowed */
/* birch_reset: back to the start; bindings stay. */
int  birch_reset(birch_stmt *stmt);
const char *birch_sql(const birch_stmt *stmt);

/* Parameters are 1-based. birch_param_type gives the declared or inferred type OID. */
int      birch_param_count(const birch_stmt *stmt);
uint32_t birch_param_type(const birch_stmt *stmt, int param_idx);
int birch_bind_null(birch_stmt *stmt, int param_idx);
int birch_bind_bool(birch_stmt *stmt, int param_idx, bool value);
int birch_bind_int64(birch_stmt *stmt, int param_idx, int64_t value);
int birch_bind_double(birch_stmt *stmt, int param_idx, double value);
int birch_bind_text(birch_stmt *stmt, int param_idx, const char *text, int size); /* -1: strlen */
int birch_bind_blob(birch_stmt *stmt, int param_idx, const void *data, size_t size);
/* birch_bind_value: a value in PostgreSQL's text or binary format for the parameter's type
 * (what a Bind message carries); 22P02/22P03 if it does not parse. The bytes are copied. */
int birch_bind_value(birch_stmt *stmt, int param_idx, int format, const void *data, size_t size);
int birch_clear_bindings(birch_stmt *stmt);

/* birch_step: run until the next row, the end, or a COPY exchange. */
int birch_step(birch_stmt *stmt);
/* birch_command_tag: after BIRCH_DONE: "SELECT 3", "INSERT 0 1", "UPDATE 2", "CREATE TABLE", ... */
const char *birch_command_tag(const birch_stmt *stmt);
/* birch_returns_rows: whether the statement produces a result set (RowDescription vs NoData). */
bool birch_returns_rows(const birch_stmt *stmt);

/* Result columns (0-based), valid after prepare. */
int         birch_column_count(const birch_stmt *stmt);
const char *birch_column_name(const birch_stmt *stmt, int col_idx);
uint32_t    birch_column_type(const birch_stmt *stmt, int col_idx);       /* type OID */
int32_t     birch_column_typmod(const birch_stmt *stmt, int col_idx);     /* -1 if none */
int16_t     birch_column_type_size(const birch_stmt *stmt, int col_idx);  /* pg_type.typlen */
uint32_t    birch_column_table_oid(const birch_stmt *stmt, int col_idx);  /* 0 if not a column */
int16_t     birch_column_attnum(const birch_stmt *stmt, int col_idx);     /* 0 if not a column */

/* Values of the current row (after BIRCH_ROW); pointers are valid until the next step. */
bool        birch_column_is_null(birch_stmt *stmt, int col_idx);
bool        birch_column_bool(birch_stmt *stmt, int col_idx);
int64_t     birch_column_int64(birch_stmt *stmt, int col_idx);
double      birch_column_double(birch_stmt *stmt, int col_idx);
/* birch_column_text: PostgreSQL's text output of the value under the session's DateStyle,
 * IntervalStyle, TimeZone and extra_float_digits. */
const char *birch_column_text(birch_stmt *stmt, int col_idx, size_t *size_out);
/* birch_column_binary: PostgreSQL's binary send format of the value. */
const void *birch_column_binary(birch_stmt *stmt, int col_idx, size_t *size_out);

/* ---- COPY streaming ---- */
/* After BIRCH_COPY_IN / BIRCH_COPY_OUT: the format (BIRCH_FORMAT_TEXT for text and CSV,
 * BIRCH_FORMAT_BINARY) and column count, as in CopyInResponse / CopyOutResponse. */
int birch_copy_format(const birch_stmt *stmt, int *column_count_out);
/* birch_copy_put: the next bytes of COPY FROM STDIN data (any split). */
int birch_copy_put(birch_stmt *stmt, const void *data, size_t size);
/* birch_copy_end: the end of the data (error_message NULL), or the client's CopyFail
 * (error_message set: the COPY fails with 57014 and that message). BIRCH_DONE or BIRCH_ERROR. */
int birch_copy_end(birch_stmt *stmt, const char *error_message);
/* birch_copy_get: the next chunk of COPY TO STDOUT data (one row for text and CSV): BIRCH_ROW
 * with *data_out valid until the next call, or BIRCH_DONE at the end. */
int birch_copy_get(birch_stmt *stmt, const void **data_out, size_t *size_out);

/* ---- versions ---- */
const char *birch_version(void);             /* "birch 0.1.0" */
const char *birch_server_version(void);      /* the PostgreSQL version birch answers as: "15.0" */

/* ---- added by wire: the simple query protocol's statement list and the extended protocol's
 * implicit transaction (executor/api_wire.c) ---- */
/* birch_query: the statements of one simple-query string, parsed together (a syntax error
 * anywhere fails before any statement runs, as in PostgreSQL) and compiled one at a time (so
 * a statement sees the DDL of the ones before it). While the query is open and has more than
 * one statement, they share one implicit transaction (unless a BEGIN makes it a block). */
typedef struct birch_query birch_query;
/* birch_query_open: parse sql (NUL-terminated); *statement_count_out statements (0 for an
 * empty or comment-only string). On error *query_out is NULL and birch_last_error explains
 * (42601 with a position in sql). */
int  birch_query_open(birch_db *db, const char *sql, birch_query **query_out,
                      int *statement_count_out);
/* birch_query_next: compile the next statement into *stmt_out (NULL after the last one).
 * Finalize it (birch_finalize) before the next call. Error positions count from the start of
 * the whole string. */
int  birch_query_next(birch_query *query, birch_stmt **stmt_out);
/* birch_query_close: end the string's implicit transaction: commit it, or roll it back when
 * failed. NULL is allowed. BIRCH_ERROR when the commit failed (birch_last_error explains;
 * the transaction was rolled back), else BIRCH_OK. */
int  birch_query_close(birch_query *query, bool failed);
/* birch_txn_hold / birch_txn_release: keep the implicit transaction open across statements
 * until release (the extended protocol holds it from the first Execute until Sync); release
 * commits it, or rolls it back when failed. Calls nest. */
void birch_txn_hold(birch_db *db);
void birch_txn_release(birch_db *db, bool failed);
/* birch_stmt_needs_own_txn: the statement cannot run inside a transaction block or an
 * implicit transaction held for several statements (VACUUM). */
bool birch_stmt_needs_own_txn(const birch_stmt *stmt);
/* birch_txn_fail: an error the caller raised on the session's behalf (a protocol error while
 * binding, say): a transaction block enters the failed state ('E'), an implicit transaction
 * rolls back, as an error of a statement would. */
void birch_txn_fail(birch_db *db);
/* ---- end of the block added by wire ---- */

/* ---- added by catfuncs: the session's backend id ----
 * birch_backend_pid: what pg_backend_pid() (and pg_stat_activity.pid) answers for this session:
 * the process id, unless birch_set_backend_pid gave it another. A server with many sessions in
 * one process sets each session's id to the pid it sends in BackendKeyData, so a client's
 * pg_backend_pid() matches the key it cancels with. pid must be > 0. */
int32_t birch_backend_pid(const birch_db *db);
void    birch_set_backend_pid(birch_db *db, int32_t pid);
/* ---- end of the block added by catfuncs ---- */

/* ---- added by sessions: LISTEN / NOTIFY (PostgreSQL's asynchronous notifications) ----
 * NOTIFY channel [, 'payload'] and SELECT pg_notify('channel', 'payload') queue a notification
 * in the session's transaction; at commit it is delivered to every session on the same
 * database file in this process that LISTENs on that channel, the sender included (a rollback
 * drops it; ROLLBACK TO SAVEPOINT drops what came after the savepoint; identical
 * channel+payload pairs in one transaction are folded into one). LISTEN and UNLISTEN take
 * effect at commit too. A payload is less than 8000 bytes (22023 otherwise), a channel name is
 * an identifier of at most 63 bytes. Delivered notifications wait in the session's queue, in
 * commit order, until taken with birch_notification_next (at most 64 MiB per session: a
 * commit that would overflow a listener's queue fails with 54000).
 *
 * birch_notification_next: take the oldest notification delivered to db: BIRCH_ROW with
 * *pid_out the sender's birch_backend_pid, *channel_out and *payload_out (NUL-terminated,
 * "" for no payload; valid until the next birch_notification_next or birch_close on db), or
 * BIRCH_DONE when none waits. Any argument but db may be NULL. Call it from the thread that
 * uses db. A server sends these only between transactions (birch_txn_status 'I'). */
int  birch_notification_next(birch_db *db, int32_t *pid_out, const char **channel_out,
                             const char **payload_out);
/* birch_set_notify_hook: hook(ctx) is called each time a commit delivers notifications to db,
 * on the committing session's thread (any thread) while a process-wide lock is held: it must
 * be quick and must not call birch functions (a server writes to an eventfd to wake the
 * connection's loop, then calls birch_notification_next on the session's own thread). NULL
 * removes it. BIRCH_ERROR only when out of memory. */
typedef void (*birch_notify_fn)(void *ctx);
int  birch_set_notify_hook(birch_db *db, birch_notify_fn hook, void *ctx);
/* ---- end of the block added by sessions ---- */

#ifdef __cplusplus
}
#endif

#endif
