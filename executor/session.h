/* executor/session.h: the session layer behind include/birch.h (internal to executor/).
 *
 * Three pieces:
 * - engine.c: one Engine per database file per process (found by device and inode in a
 *   registry under a mutex, refcounted by sessions): the durable database (RecovDb), the
 *   transaction manager with its purge thread, the catalog and the lock manager, and a timer
 *   thread for statement timeouts. The file's exclusivity against other processes is the
 *   storage layer's OFD lock (storage/file.c), taken by recov_open.
 * - session.c: a session (struct birch_db): settings (SET/SHOW/RESET), the transaction state
 *   machine (implicit per-statement transactions, BEGIN/COMMIT/ROLLBACK, savepoints, the
 *   failed state), statement compilation (parse, plan) and execution (portals: operator trees
 *   pulled chunk by chunk, utility statements producing text rows).
 * - api.c: include/birch.h on top of the two: errors, binds, steps, column accessors, exec.
 *
 * Lifetimes (STYLE.md section 5): session settings are malloc'd strings owned by the session;
 * a SessPrepared (AST, plan, result description) lives in its own arena shared by a statement
 * and its clones (refcounted); each birch_stmt has a bind arena (parameter vectors), an
 * execution arena (reset when the execution restarts: parameters, folded values, utility
 * rows), a tree arena (the operator tree and its expression states: kept across executions
 * when the tree is reusable, else reset with the execution) and a batch arena for column
 * text/binary conversions (reset at every step).
 *
 * Invariants:
 * 1. db->txn != NULL iff a transaction is open; db->block is true iff it is an explicit one
 *    (BEGIN); db->failed implies db->block.
 * 2. Every stmt in db->active holds an open operator tree (or utility rows) running in db->txn.
 * 3. An implicit transaction ends (commit) when the last active statement finishes and no
 *    birch_exec holds it; on an error it rolls back and every active statement is aborted.
 * 4. stmt->kept_root != NULL only while stmt->kept_planned is the statement's current plan
 *    (prepared->planned) and the tree is exec_reusable; it is reset (never closed) at the end
 *    of each execution, and closed when the plan changes, the statement fails or is freed.
 */
#ifndef BIRCH_EXECUTOR_SESSION_H
#define BIRCH_EXECUTOR_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/datetime.h"
#include "common/error.h"
#include "executor/exec.h"
#include "include/birch.h"
#include "parser/ast.h"
#include "planner/catalog.h"
#include "planner/plan.h"
#include "txn/txn.h"

/* ------------------------------------------------------------------ engine ---- */

typedef struct Engine Engine;


typedef struct EngineOptions {
    size_t pool_size;     /* 0: ENGINE_POOL_SIZE_DEFAULT */
    bool   create;
    bool   read_only;
    const char *database_name;   /* current_database(); NULL: the file's name */
} EngineOptions;

enum {
    ENGINE_POOL_SIZE_DEFAULT = 64 << 20,
    ENGINE_PURGE_INTERVAL_MS = 1000,
};

/* EngineTimer: a deadline; the engine's timer thread calls fire(ctx) once it passes. */
typedef struct EngineTimer {
    struct EngineTimer *next;
    int64_t             deadline_ns;   /* CLOCK_MONOTONIC */
    void              (*fire)(void *ctx);
    void               *ctx;
    bool                armed;
    bool                listed;        /* in the engine's list (only its owner touches it) */
} EngineTimer;

/* engine_acquire: the engine of the file at path, opened (and recovered) if this process has
 * none yet, else shared. Errors: recov_open's (OBJECT_IN_USE 55006 naming the other process's
 * pid, UNDEFINED_FILE, DATA_CORRUPTED ...), txn_manager_open's, catalog_open's;
 * FEATURE_NOT_SUPPORTED for read_only. */
Error *engine_acquire(const char *path, const EngineOptions *options, Engine **engine_out);
/* engine_release: drop one reference; the last closes the catalog, the manager and the
 * database cleanly (the WAL file is removed). Returns the close errors of the last one. */
Error *engine_release(Engine *engine);
TxnManager  *engine_manager(Engine *engine);
Catalog     *engine_catalog(Engine *engine);
LockManager *engine_locks(Engine *engine);
/* engine_database_name: the file's base name without ".birch" (current_database()). */
const char  *engine_database_name(Engine *engine);
/* engine_timer_arm / engine_timer_disarm: (un)register timer with the engine's timer thread.
 * disarm returns only when fire is not running for timer. */
void engine_timer_arm(Engine *engine, EngineTimer *timer, int64_t timeout_ms);
void engine_timer_disarm(Engine *engine, EngineTimer *timer);

/* ----------------------------------------------------------------- settings ---- */

typedef enum SessGuc {
    GUC_APPLICATION_NAME,
    GUC_CLIENT_ENCODING,
    GUC_DATESTYLE,
    GUC_INTERVALSTYLE,
    GUC_TIMEZONE,
    GUC_EXTRA_FLOAT_DIGITS,
    GUC_SEARCH_PATH,
    GUC_STATEMENT_TIMEOUT,
    GUC_LOCK_TIMEOUT,
    GUC_IDLE_IN_TXN_TIMEOUT,
    GUC_WORK_MEM,
    GUC_DEFAULT_TXN_ISOLATION,
    GUC_TXN_ISOLATION,
    GUC_STANDARD_CONFORMING_STRINGS,
    GUC_SERVER_VERSION,
    GUC_SERVER_VERSION_NUM,
    GUC_SERVER_ENCODING,
    GUC_INTEGER_DATETIMES,
    GUC_IS_SUPERUSER,
    GUC_SESSION_AUTHORIZATION,
    GUC_CLIENT_MIN_MESSAGES,
    GUC_BYTEA_OUTPUT,
    GUC_MAX_IDENTIFIER_LENGTH,
    GUC_DEFAULT_TXN_READ_ONLY,
    GUC_TXN_READ_ONLY,
    GUC_SYNCHRONOUS_COMMIT,
    GUC_ROW_SECURITY,
    GUC_TIMEZONE_ABBREVIATIONS,
    GUC_MAX_CONNECTIONS,
    GUC_LC_MESSAGES,
    GUC_LC_COLLATE,
    GUC_LC_CTYPE,
    GUC_ESCAPE_STRING_WARNING,
    GUC_DEFAULT_TABLESPACE,
    GUC_PASSWORD_ENCRYPTION,     /* roles: CREATE/ALTER ROLE ... PASSWORD (executor/ddl_role.c) */
    GUC_DEFAULT_TXN_DEFERRABLE,  /* sessions: default_transaction_deferrable */
    GUC_TXN_DEFERRABLE,          /* sessions: transaction_deferrable */
    GUC_COUNT
} SessGuc;

/* A SET inside a transaction block, to undo at its end (rollback: every one; commit: LOCAL). */
typedef struct SessGucUndo {
    SessGuc guc;
    char   *old_value;       /* malloc'd */
    bool    local;
} SessGucUndo;

typedef struct SessSavepoint {
    char        *name;       /* malloc'd */
    TxnSavepoint mark;
    size_t       guc_undo_count;
    size_t       notify_count, listen_action_count;   /* sessions: LISTEN/NOTIFY marks */
} SessSavepoint;

/* ------------------------------------------------------------- statements ---- */

/* SessPrepared: a compiled statement, shared by a birch_stmt and its clones. */
typedef struct SessPrepared {
    int          refcount;
    Arena       *arena;            /* statement lifetime */
    const char  *sql;              /* the text given to prepare (this statement and after) */
    const char  *stmt_sql;         /* just this statement (birch_sql) */
    AstStmt     *ast;
    uint32_t     declared_count;   /* birch_prepare_typed */
    Type        *declared_types;
    PlannedStmt *planned;          /* SELECT/INSERT/UPDATE/DELETE (and EXECUTE's target) */
    uint64_t     generation;       /* catalog_generation at planning */
    struct SessPrepared *target;   /* EXECUTE name: the named statement (counted reference) */
    struct SessPrepared *owner;    /* PREPARE name: the statement whose arena holds ast */
    /* the result description (planned's columns, or SHOW / EXPLAIN's text column) */
    uint32_t     column_count;
    PlanColumn  *columns;
    uint32_t     param_count;
    Type        *param_types;
    bool         returns_rows;
} SessPrepared;

/* SessNamed: PREPARE name AS ... (SQL-level prepared statements). */
typedef struct SessNamed {
    struct SessNamed *next;
    char             *name;        /* malloc'd */
    SessPrepared     *prepared;
} SessNamed;

typedef enum StmtState {
    STMT_IDLE = 0,       /* not started (or reset) */
    STMT_RUNNING,        /* in db->active: rows may follow */
    STMT_DONE,           /* finished: tag set */
    STMT_ABORTED,        /* its transaction ended under it: the next step fails */
} StmtState;

struct birch_stmt {
    birch_db      *db;
    SessPrepared  *prepared;
    struct birch_stmt *next_in_db;     /* every statement of db (finalized at birch_close) */
    struct birch_stmt *next_active;    /* db->active */
    StmtState      state;
    bool           in_active;          /* listed in db->active */
    /* bindings */
    Arena         *bind_arena;
    uint32_t       param_count;
    Vector        *params;             /* constant vectors, NULL until bound (then NULL SQL) */
    bool          *bound;
    /* execution */
    Arena         *exec_arena;
    ExecCtx        ctx;
    Op            *root;
    /* stmt: the operator tree kept across executions (session.c, "kept trees") */
    Arena         *tree_arena;         /* ctx.arena of planned executions: ops, expressions */
    Op            *kept_root;          /* a reusable tree (exec_reusable), or NULL */
    const PlannedStmt *kept_planned;   /* the plan kept_root was built from */
    DataChunk     *chunk;              /* current chunk (operator-owned or util_chunk) */
    uint32_t       live_idx;           /* next live row of chunk to hand out */
    uint32_t       row_idx;            /* physical row of the current row */
    bool           have_row;
    DataChunk      util_chunk;         /* utility statements' rows (TEXT columns) */
    bool           util_rows;          /* rows come from util_chunk, once */
    uint64_t       row_count;          /* rows returned so far (SELECT n) */
    char           tag[64];
    /* conversions of the current chunk (reset per chunk) */
    Arena         *batch_arena;
    Vector        *text_cols;          /* column_count text vectors of the current chunk */
    bool          *text_ready;
    uint8_t       *binary_buf;
    size_t         binary_size;
    bool           is_cursor;          /* sessions: the portal of a DECLAREd cursor */
    /* command ids: a cursor's portal and a statement with data-modifying CTEs read as of the
     * command that started them (txn.h TxnBarrier), installed while they run (sess_step) */
    bool           barrier_on;
    TxnBarrier     barrier;
};

struct birch_db {
    Engine        *engine;
    Arena         *arena;              /* session lifetime */
    char          *user;               /* malloc'd */
    int32_t        backend_pid;
    /* errors and hooks */
    Error         *last_error;
    birch_error    error_view;
    birch_parameter_fn parameter_hook;
    void          *parameter_ctx;
    birch_notice_fn notice_hook;
    void          *notice_ctx;
    /* settings */
    char          *guc_values[GUC_COUNT];  /* malloc'd */
    char          *guc_session[GUC_COUNT]; /* the values before SET LOCAL in this transaction */
    DtSettings     dt;
    const char   **search_path;        /* effective schema names (malloc'd array of malloc'd) */
    size_t         search_path_count;
    int            extra_float_digits;
    int64_t        statement_timeout_ms;
    int64_t        lock_timeout_ms;
    size_t         work_mem;
    TxnIsolation   default_isolation;
    char          *show_buf;           /* birch_show's value */
    /* transaction state */
    Txn           *txn;
    bool           block;
    bool           failed;
    bool           txn_started_statement;  /* a statement ran in this transaction */
    TxnIsolation   block_isolation;    /* BEGIN ISOLATION LEVEL ... (before the Txn exists) */
    TxnIsolation   txn_isolation;      /* the level asked for db->txn (SERIALIZABLE runs as
                                        * REPEATABLE READ until txn/ has SSI) */
    SessSavepoint *savepoints;
    size_t         savepoint_count, savepoint_capacity;
    SessGucUndo   *guc_undo;
    size_t         guc_undo_count, guc_undo_capacity;
    int            exec_hold;          /* > 0: birch_exec keeps the implicit transaction */
    birch_stmt    *active;             /* running statements */
    birch_stmt    *stmts;              /* every statement */
    SessNamed     *named;              /* PREPARE name */
    uint64_t       changes;
    /* sequences (currval) */
    uint32_t      *seq_oids;
    int64_t       *seq_values;
    size_t         seq_count, seq_capacity;
    /* interrupts */
    atomic_int     interrupt;          /* 1: user request, 2: statement timeout */
    pthread_mutex_t interrupt_mutex;   /* guards lock_owner against birch_interrupt */
    LockOwner     *lock_owner;         /* of db->txn, for birch_interrupt (under the mutex) */
    EngineTimer    timer;
    /* ---- sessions: read-only transactions and cursors (session_util.c) ---- */
    bool           block_read_only;    /* the block's READ ONLY (BEGIN, SET TRANSACTION) */
    bool           block_deferrable;   /* the block's DEFERRABLE (accepted, no effect) */
    struct SessCursor *cursors;        /* DECLAREd cursors, newest first */
    /* snapshot timing: a statement that needs a snapshot (not SET, SAVEPOINT, LOCK, FETCH,
     * LISTEN/NOTIFY ...) ran in db->txn: a REPEATABLE READ snapshot is frozen from then on */
    bool           snapshot_taken;
    /* LISTEN/NOTIFY (session_util.c): this transaction's pending NOTIFYs and LISTEN /
     * UNLISTEN actions (applied at commit, dropped at rollback) */
    struct SessNotifyTxn *notify_txn;
    struct SessListener  *listener;    /* the session's entry in the process's listener list
                                        * (LISTEN channels, delivered queue, hook); NULL if none */
    struct SessNotifyMsg *notify_last; /* birch_notification_next's last one (its strings) */
    /* ---- end sessions ---- */
};

/* ------------------------------------------------------------ session.c ---- */

/* sess_init: settings at their defaults (TimeZone from $TZ or UTC). Errors: OUT_OF_MEMORY. */
Error *sess_init(birch_db *db, const char *user, const char *application_name);
/* sess_shutdown: roll back, free settings, savepoints, named statements. */
void   sess_shutdown(birch_db *db);

/* sess_set / sess_show / sess_reset: SET name = value (value NULL: DEFAULT), SHOW, RESET.
 * Errors: UNDEFINED_OBJECT (42704) `unrecognized configuration parameter "x"`,
 * INVALID_PARAMETER_VALUE (22023), CANT_CHANGE for read-only ones (55P02 as 22023 here). */
Error *sess_set(birch_db *db, const char *name, const char *value, bool local);
Error *sess_show(birch_db *db, const char *name, const char **value_out, const char **name_out);
void   sess_report_parameters(birch_db *db);

/* sess_notice: hand a notice to the hook (severity NOTICE or WARNING). Frees it. */
void   sess_notice(birch_db *db, Error *notice);

/* sess_compile: parse sql (the first statement of sql_size bytes) and plan it.
 * *prepared_out NULL (and *tail_out at the end) for an empty string. */
Error *sess_compile(birch_db *db, const char *sql, size_t sql_size, bool terminated,
                    uint32_t declared_count, const uint32_t *declared_oids,
                    SessPrepared **prepared_out, size_t *tail_offset_out);
/* sess_compile_ast: a SessPrepared for an already parsed statement (birch_exec). */
Error *sess_compile_ast(birch_db *db, const char *sql, AstStmt *ast, uint32_t declared_count,
                        const Type *declared_types, SessPrepared **prepared_out);
void   sess_prepared_release(SessPrepared *prepared);

/* sess_stmt_new: a statement (portal) over prepared (takes a reference). */
Error *sess_stmt_new(birch_db *db, SessPrepared *prepared, birch_stmt **stmt_out);
void   sess_stmt_free(birch_stmt *stmt);
/* sess_step: BIRCH_ROW, BIRCH_DONE or BIRCH_ERROR (*err_out set). */
int    sess_step(birch_stmt *stmt, Error **err_out);
/* sess_stmt_reset: close the execution (ending an implicit transaction it held). */
void   sess_stmt_reset(birch_stmt *stmt);
/* sess_bind_param: store value (a one-row vector) as parameter param_idx (0-based), cast to
 * the parameter's type. */
Error *sess_bind_param(birch_stmt *stmt, uint32_t param_idx, const Vector *value);
Type   sess_param_type(const birch_stmt *stmt, uint32_t param_idx);
/* sess_statement_failed: an error outside sess_step (compiling) in the session's transaction:
 * a block enters the failed state. */
void   sess_statement_failed(birch_db *db);
/* sess_exec_begin / sess_exec_end: birch_exec's implicit transaction around a string. */
void   sess_exec_begin(birch_db *db);
void   sess_exec_end(birch_db *db, bool failed);
/* sess_exec_end_checked: sess_exec_end returning the error of the commit it ran (NULL when it
 * ran none, rolled back, or the commit succeeded); the caller owns the error. */
Error *sess_exec_end_checked(birch_db *db, bool failed);
/* sess_cancel: from any thread: interrupt db's running statement (reason 1 or 2). */
void   sess_cancel(birch_db *db, int reason);

/* session.c internals shared with session_util.c */
Error *sess_failed_txn_error(void);
/* sess_txn_ensure: begin the session's transaction if there is none (the block's isolation
 * or default_transaction_isolation). */
Error *sess_txn_ensure(birch_db *db);
/* sess_txn_end: abort running statements, commit or roll back, leave the block. */
Error *sess_txn_end(birch_db *db, bool commit);
void   sess_abort_active(birch_db *db);
void   sess_savepoints_clear(birch_db *db, size_t keep_count);
void   sess_named_free_all(birch_db *db);
SessNamed *sess_named_find(birch_db *db, const char *name);
Error *sess_plan_in_txn(birch_db *db, SessPrepared *prepared, Arena *arena, AstStmt *ast,
                        PlannedStmt **planned_out);
Error *sess_lock_tables(birch_db *db, const PlannedStmt *planned);
Error *sess_stmt_params(birch_stmt *stmt, const PlannedStmt *planned, Vector **params_out);
Error *sess_exec_ctx_init(birch_stmt *stmt, const PlannedStmt *planned, const Vector *params,
                          bool analyze);
/* sess_cast_one: value (one row) as a constant vector of type to in arena. */
Error *sess_cast_one(birch_db *db, const Vector *value, Type to, Arena *arena, Vector *out);
ExecSessionHooks sess_hooks(birch_db *db);
void   sess_set_tag(birch_stmt *stmt, const char *tag);

/* session_util.c */
/* sess_util_rows: rows of text (row-major, NULL for SQL NULL) as the statement's result. */
Error *sess_util_rows(birch_stmt *stmt, uint32_t column_count, const char *const *values,
                      uint32_t row_count);
Error *sess_execute_args(birch_stmt *stmt, const AstExecute *execute, SessPrepared *target,
                         Vector **params_out);
Error *sess_run_utility(birch_stmt *stmt, const AstStmt *ast);

/* ---- sessions: read-only transactions and cursors (session_util.c) ----
 * sess_txn_read_only: the transaction a statement would run in now is READ ONLY (the block's
 * mode, else default_transaction_read_only). */
bool   sess_txn_read_only(const birch_db *db);
/* sess_read_only_check: READ_ONLY_SQL_TRANSACTION (25006) `cannot execute COMMAND in a
 * read-only transaction` when the transaction is read-only, else NULL. */
Error *sess_read_only_check(const birch_db *db, const char *command);
/* sess_planned_read_only_check: the same for a planned statement about to run (INSERT, UPDATE,
 * DELETE, SELECT FOR UPDATE/SHARE, nextval()/setval() calls found in sql). */
Error *sess_planned_read_only_check(const birch_db *db, const PlannedStmt *planned,
                                    const char *sql);
/* sess_txn_modes_set: SET TRANSACTION / SET transaction_read_only / transaction_isolation /
 * transaction_deferrable: change the block's modes (read_only, deferrable: -1 unchanged, 0, 1);
 * outside a block nothing. Errors: ACTIVE_SQL_TRANSACTION (25001) for READ WRITE or another
 * isolation level after the block's first query. */
Error *sess_txn_modes_set(birch_db *db, bool have_isolation, TxnIsolation isolation,
                          int read_only, int deferrable);
/* sess_cursors_txn_end: the transaction ends (called first by sess_txn_end): cursors without
 * HOLD are closed; on commit WITH HOLD ones are materialized, on rollback closed. */
void   sess_cursors_txn_end(birch_db *db, bool commit);
/* sess_cursors_free_all: close every cursor (birch_close, DISCARD ALL). */
void   sess_cursors_free_all(birch_db *db);
/* sess_cursor_describe: FETCH name's result columns are the cursor's (34000 if none). */
Error *sess_cursor_describe(birch_db *db, SessPrepared *prepared);
/* session.c: sess_stmt_open: start stmt (as its first step does) without fetching a row. */
Error *sess_stmt_open(birch_stmt *stmt);

/* LISTEN / NOTIFY (session_util.c). One process-wide list of listening sessions, under one
 * mutex; a session is in it from its first LISTEN (or birch_set_notify_hook) to birch_close.
 * SESS_NOTIFY_PAYLOAD_MAX: PostgreSQL's limit (a payload of 8000 bytes or more is 22023).
 * SESS_NOTIFY_QUEUE_MAX: undelivered bytes one listener may hold; a commit whose notifications
 * would overflow a listener's queue fails with 54000 (PostgreSQL: "too many notifications in
 * the NOTIFY queue"). */
enum { SESS_NOTIFY_PAYLOAD_MAX = 8000, SESS_NOTIFY_QUEUE_MAX = 64 << 20 };
/* sess_notify_queue: NOTIFY channel, payload (payload NULL: empty) in db's transaction: kept
 * until commit; an identical channel+payload already pending is folded. Errors:
 * INVALID_PARAMETER_VALUE (22023) for an empty or too long (>= 64 bytes) channel name or a
 * payload of 8000 bytes or more; OUT_OF_MEMORY. */
Error *sess_notify_queue(birch_db *db, const char *channel, const char *payload,
                         size_t payload_size);
/* sess_listen_action: LISTEN channel (listen true) or UNLISTEN channel (channel NULL: *),
 * applied at commit. Errors: OUT_OF_MEMORY. */
Error *sess_listen_action(birch_db *db, const char *channel, bool listen);
/* sess_notify_precommit: before commit: 54000 if a listener's queue would overflow. */
Error *sess_notify_precommit(birch_db *db);
/* sess_notify_txn_end: the transaction ended: committed: apply LISTEN/UNLISTEN, then deliver
 * the pending notifications to every listener of their channel (the sender too) and call the
 * listeners' hooks; else drop them. */
void   sess_notify_txn_end(birch_db *db, bool committed);
/* sess_notify_mark / sess_notify_rollback_to: a savepoint's marks; ROLLBACK TO drops what the
 * transaction queued after the mark. */
void   sess_notify_mark(const birch_db *db, size_t *notify_count_out, size_t *action_count_out);
void   sess_notify_rollback_to(birch_db *db, size_t notify_count, size_t action_count);
/* sess_unlisten_all: UNLISTEN * at once (DISCARD ALL). */
void   sess_unlisten_all(birch_db *db);
/* sess_notify_shutdown: leave the listener list, free the queue (birch_close). */
void   sess_notify_shutdown(birch_db *db);
/* sess_notify_pop: the oldest delivered notification (owned by the caller: free it), or NULL. */
struct SessNotifyMsg *sess_notify_pop(birch_db *db);
typedef struct SessNotifyMsg {
    struct SessNotifyMsg *next;
    int32_t               pid;          /* the sender's backend pid */
    char                 *channel;      /* both point into the same allocation */
    char                 *payload;
    size_t                payload_size;
} SessNotifyMsg;
/* sess_notify_set_hook: called (from the committing thread) whenever db is sent one. */
Error *sess_notify_set_hook(birch_db *db, void (*hook)(void *ctx), void *ctx);
/* ---- end sessions ---- */

/* session_guc.c internals */
Error      *sess_guc_init(birch_db *db);
void        sess_guc_free(birch_db *db);
/* sess_guc_txn_end: undo the block's SETs (rollback) or SET LOCALs (commit) down to
 * undo_count (a savepoint's mark, or 0). */
void        sess_guc_txn_end(birch_db *db, bool committed, size_t undo_count);
Error      *sess_guc_reset_all(birch_db *db);
const char *sess_guc_name(int guc);    /* NULL past the end (SHOW ALL) */
bool        sess_isolation_parse(const char *value, TxnIsolation *isolation_out);

/* Current row access helpers for api.c. */
const Vector *sess_column_text(birch_stmt *stmt, uint32_t col_idx, Error **err_out);

#endif
