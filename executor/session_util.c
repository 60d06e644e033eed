/* executor/session_util.c: utility statements of a session: transaction control, SET / SHOW /
 * RESET, EXPLAIN [ANALYZE], DDL (through ddl_execute), LOCK, VACUUM, ANALYZE, DISCARD, and
 * SQL-level PREPARE / EXECUTE / DEALLOCATE. Each runs at the statement's first step; SHOW and
 * EXPLAIN leave their rows in the statement's utility chunk (sess_util_rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/asserts.h"
#include "executor/session.h"
#include "executor/copy.h"   /* copy hook */
#include "executor/ddl_analyze.h"   /* stats: ANALYZE hook */
#include "parser/tok.h"
#include "planner/planner.h"

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *txn_isolation_set(birch_db *db, TxnIsolation isolation);

/* guc_on: a boolean setting's value (the canonical text is "on" / "off"). */
static bool guc_on(const birch_db *db, SessGuc guc)
{
    return db->guc_values[guc] != NULL && strcmp(db->guc_values[guc], "on") == 0;
}

static void notice_severity(birch_db *db, ErrSeverity severity, Error *notice)
{
    notice->severity = severity;
    sess_notice(db, notice);
}

static void ddl_notice(void *ctx, const Error *notice)
{
    Error *copy = err_copy(notice);
    if (copy->severity == ERR_SEVERITY_ERROR) copy->severity = ERR_SEVERITY_NOTICE;
    sess_notice(ctx, copy);
}


static Error *option_text(const AstExpr *value, char *buf, size_t buf_size)
{
    if (value == NULL) {
        snprintf(buf, buf_size, "true");
        return NULL;
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
    case AST_EXPR_UNARY:
        if (value->arg != NULL && strcmp(value->text, "-") == 0 &&
            (value->arg->kind == AST_EXPR_INTEGER || value->arg->kind == AST_EXPR_NUMERIC)) {
            snprintf(buf, buf_size, "-%s", value->arg->text);
            return NULL;
        }
        break;
    default:
        break;
    }
    return err_at(SQLSTATE_SYNTAX_ERROR, value->position, "invalid value in a setting");
}

static bool option_bool(const AstExpr *value)
{
    char text[64];
    Error *err = option_text(value, text, sizeof text);
    if (err != NULL) {
        err_free(err);
        return true;
    }
    return !(strcasecmp(text, "false") == 0 || strcasecmp(text, "off") == 0 ||
             strcmp(text, "0") == 0 || strcasecmp(text, "f") == 0);
}

static Error *run_set(birch_stmt *stmt, const AstSet *set)
{
    birch_db *db = stmt->db;
    char value[1024];
    size_t size = 0;
    value[0] = '\0';
    for (int idx = 0; idx < ast_list_count(set->values); idx++) {
        char piece[512];
        TRY(option_text(set->values->items[idx], piece, sizeof piece));
        int written = snprintf(value + size, sizeof value - size, "%s%s", idx > 0 ? ", " : "",
                               piece);
        if (written < 0 || (size_t)written >= sizeof value - size) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "setting value is too long");
        }
        size += (size_t)written;
    }
    const char *name = set->name;
    if (strcasecmp(name, "role") == 0 || strcasecmp(name, "session_authorization") == 0) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "SET %s is not supported yet", name);
    }
    TRY(sess_set(db, name, set->is_default || set->values == NULL ? NULL : value, set->local));
    sess_set_tag(stmt, "SET");
    return NULL;
}

static Error *run_show(birch_stmt *stmt, const AstSet *set)
{
    birch_db *db = stmt->db;
    if (strcasecmp(set->name, "all") == 0) {
        const char *values[GUC_COUNT * 3];
        uint32_t row_count = 0;
        for (int guc = 0; guc < GUC_COUNT; guc++) {
            const char *name = sess_guc_name(guc), *value = NULL;
            TRY(sess_show(db, name, &value, NULL));
            values[row_count * 3] = name;
            values[row_count * 3 + 1] = arena_strdup(stmt->exec_arena, value);
            values[row_count * 3 + 2] = "";
            if (values[row_count * 3 + 1] == NULL) return oom();
            row_count++;
        }
        TRY(sess_util_rows(stmt, 3, values, row_count));
    } else {
        const char *value = NULL;
        TRY(sess_show(db, set->name, &value, NULL));
        const char *copy = arena_strdup(stmt->exec_arena, value);
        if (copy == NULL) return oom();
        TRY(sess_util_rows(stmt, 1, &copy, 1));
    }
    sess_set_tag(stmt, "SHOW");
    return NULL;
}

static Error *run_reset(birch_stmt *stmt, const AstSet *set)
{
    if (strcasecmp(set->name, "all") == 0) {
        TRY(sess_guc_reset_all(stmt->db));
    } else {
        TRY(sess_set(stmt->db, set->name, NULL, false));
    }
    sess_set_tag(stmt, "RESET");
    return NULL;
}

/* txn_options: the modes of BEGIN / START TRANSACTION / SET TRANSACTION: an isolation level,
 * *read_only_out and *deferrable_out -1 when absent, else 0 or 1. */
static Error *txn_options(birch_db *db, const AstList *options, bool *have_isolation_out,
                          TxnIsolation *isolation_out, int *read_only_out, int *deferrable_out)
{
    (void)db;
    *have_isolation_out = false;
    *read_only_out = -1;
    *deferrable_out = -1;
    for (int idx = 0; idx < ast_list_count(options); idx++) {
        const AstOption *option = options->items[idx];
        if (strcmp(option->name, "isolation") == 0) {
            char text[64];
            TRY(option_text(option->value, text, sizeof text));
            if (!sess_isolation_parse(text, isolation_out)) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "invalid transaction isolation level \"%s\"", text);
            }
            *have_isolation_out = true;
        } else if (strcmp(option->name, "read_only") == 0) {
            *read_only_out = option_bool(option->value) ? 1 : 0;
        } else if (strcmp(option->name, "deferrable") == 0) {
            *deferrable_out = option_bool(option->value) ? 1 : 0;
        }
    }
    return NULL;
}

static SessSavepoint *savepoint_find(birch_db *db, const char *name, size_t *idx_out)
{
    for (size_t idx = db->savepoint_count; idx > 0; idx--) {
        if (strcmp(db->savepoints[idx - 1].name, name) == 0) {
            *idx_out = idx - 1;
            return &db->savepoints[idx - 1];
        }
    }
    return NULL;
}

static Error *savepoint_missing(const char *name)
{
    return err_new(SQLSTATE_INVALID_SAVEPOINT_SPECIFICATION, "savepoint \"%s\" does not exist",
                   name);
}

static Error *run_savepoint(birch_stmt *stmt, const char *name)
{
    birch_db *db = stmt->db;
    if (!db->block) {
        return err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                       "SAVEPOINT can only be used in transaction blocks");
    }
    TRY(sess_txn_ensure(db));
    if (db->savepoint_count == db->savepoint_capacity) {
        size_t capacity = db->savepoint_capacity == 0 ? 8 : db->savepoint_capacity * 2;
        SessSavepoint *grown = realloc(db->savepoints, capacity * sizeof *grown);
        if (grown == NULL) return oom();
        db->savepoints = grown;
        db->savepoint_capacity = capacity;
    }
    SessSavepoint *savepoint = &db->savepoints[db->savepoint_count];
    savepoint->name = strdup(name);
    if (savepoint->name == NULL) return oom();
    txn_savepoint(db->txn, &savepoint->mark);
    savepoint->guc_undo_count = db->guc_undo_count;
    sess_notify_mark(db, &savepoint->notify_count, &savepoint->listen_action_count);
    db->savepoint_count++;
    sess_set_tag(stmt, "SAVEPOINT");
    return NULL;
}

static Error *run_rollback_to(birch_stmt *stmt, const char *name)
{
    birch_db *db = stmt->db;
    if (!db->block) {
        return err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                       "ROLLBACK TO SAVEPOINT can only be used in transaction blocks");
    }
    size_t idx = 0;
    SessSavepoint *savepoint = savepoint_find(db, name, &idx);
    if (savepoint == NULL) return savepoint_missing(name);
    sess_abort_active(db);
    TRY(txn_rollback_to(db->txn, &savepoint->mark));
    sess_guc_txn_end(db, false, savepoint->guc_undo_count);
    sess_notify_rollback_to(db, savepoint->notify_count, savepoint->listen_action_count);
    sess_savepoints_clear(db, idx + 1);
    db->failed = false;
    sess_set_tag(stmt, "ROLLBACK");
    return NULL;
}

static Error *run_release(birch_stmt *stmt, const char *name)
{
    birch_db *db = stmt->db;
    if (!db->block) {
        return err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                       "RELEASE SAVEPOINT can only be used in transaction blocks");
    }
    size_t idx = 0;
    if (savepoint_find(db, name, &idx) == NULL) return savepoint_missing(name);
    sess_savepoints_clear(db, idx);
    sess_set_tag(stmt, "RELEASE");
    return NULL;
}

static Error *run_transaction(birch_stmt *stmt, const AstTransaction *txn_ast)
{
    birch_db *db = stmt->db;
    bool have_isolation = false;
    TxnIsolation isolation = db->default_isolation;
    int read_only = -1, deferrable = -1;
    switch (txn_ast->kind) {
    case AST_TXN_BEGIN:
        TRY(txn_options(db, txn_ast->options, &have_isolation, &isolation, &read_only,
                        &deferrable));
        sess_set_tag(stmt, txn_ast->start ? "START TRANSACTION" : "BEGIN");
        if (db->block) {
            notice_severity(db, ERR_SEVERITY_WARNING,
                            err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                                    "there is already a transaction in progress"));
            return NULL;
        }
        db->block = true;
        db->block_isolation = isolation;
        /* the block's modes: given, else the defaults at BEGIN (as PostgreSQL's
         * StartTransaction copies them) */
        db->block_read_only = read_only >= 0 ? read_only == 1 : guc_on(db, GUC_DEFAULT_TXN_READ_ONLY);
        db->block_deferrable = deferrable >= 0 ? deferrable == 1
                                               : guc_on(db, GUC_DEFAULT_TXN_DEFERRABLE);
        return NULL;
    case AST_TXN_COMMIT:
        if (!db->block && db->exec_hold > 0) {
            /* COMMIT inside a multi-statement string ends its implicit transaction */
            sess_set_tag(stmt, "COMMIT");
            return sess_txn_end(db, true);
        }
        if (!db->block) {
            notice_severity(db, ERR_SEVERITY_WARNING,
                            err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                                    "there is no transaction in progress"));
            sess_set_tag(stmt, "COMMIT");
            return NULL;
        }
        sess_set_tag(stmt, db->failed ? "ROLLBACK" : "COMMIT");
        return sess_txn_end(db, !db->failed);
    case AST_TXN_ROLLBACK:
        if (!db->block && db->exec_hold == 0) {
            notice_severity(db, ERR_SEVERITY_WARNING,
                            err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                                    "there is no transaction in progress"));
        }
        sess_set_tag(stmt, "ROLLBACK");
        return sess_txn_end(db, false);
    case AST_TXN_SAVEPOINT:
        return run_savepoint(stmt, txn_ast->name);
    case AST_TXN_RELEASE:
        return run_release(stmt, txn_ast->name);
    case AST_TXN_ROLLBACK_TO:
        return run_rollback_to(stmt, txn_ast->name);
    case AST_TXN_SET:
        TRY(txn_options(db, txn_ast->options, &have_isolation, &isolation, &read_only,
                        &deferrable));
        sess_set_tag(stmt, "SET");
        if (!db->block) {
            notice_severity(db, ERR_SEVERITY_WARNING,
                            err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                                    "SET TRANSACTION can only be used in transaction blocks"));
            return NULL;
        }
        return sess_txn_modes_set(db, have_isolation, isolation, read_only, deferrable);
    case AST_TXN_SET_SESSION:
        TRY(txn_options(db, txn_ast->options, &have_isolation, &isolation, &read_only,
                        &deferrable));
        if (have_isolation) {
            static const char *const NAMES[] = {"read committed", "repeatable read",
                                                "serializable"};
            TRY(sess_set(db, "default_transaction_isolation", NAMES[isolation], false));
        }
        if (read_only >= 0) {
            TRY(sess_set(db, "default_transaction_read_only", read_only ? "on" : "off", false));
        }
        if (deferrable >= 0) {
            TRY(sess_set(db, "default_transaction_deferrable", deferrable ? "on" : "off",
                         false));
        }
        sess_set_tag(stmt, "SET");
        return NULL;
    }
    return NULL;
}

/* sess_txn_modes_set: SET TRANSACTION's modes inside a block (PostgreSQL's checks: a read-only
 * transaction turns read-write, and the isolation level changes, only before its first query). */
Error *sess_txn_modes_set(birch_db *db, bool have_isolation, TxnIsolation isolation,
                          int read_only, int deferrable)
{
    if (!db->block) return NULL;
    if (read_only == 0 && db->block_read_only && db->txn_started_statement) {
        return err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                       "transaction read-write mode must be set before any query");
    }
    if (have_isolation) TRY(txn_isolation_set(db, isolation));
    if (read_only >= 0) db->block_read_only = read_only == 1;
    if (deferrable >= 0) db->block_deferrable = deferrable == 1;
    return NULL;
}

/* txn_isolation_set: SET TRANSACTION ISOLATION LEVEL inside a block. */
static Error *txn_isolation_set(birch_db *db, TxnIsolation isolation)
{
    if (db->txn != NULL && db->txn_started_statement && db->txn_isolation != isolation) {
        return err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                       "SET TRANSACTION ISOLATION LEVEL must be called before any query");
    }
    if (db->txn != NULL && db->txn_isolation != isolation) {
        /* nothing ran in it yet: start over with the requested level */
        Txn *txn = db->txn;
        pthread_mutex_lock(&db->interrupt_mutex);
        db->lock_owner = NULL;
        pthread_mutex_unlock(&db->interrupt_mutex);
        db->txn = NULL;
        uint64_t xid = txn_xid(txn);
        Error *err = txn_rollback(txn);
        catalog_txn_end(engine_catalog(db->engine), xid, false);
        if (err != NULL) return err;
    }
    db->block_isolation = isolation;
    return NULL;
}

static Error *run_explain(birch_stmt *stmt, const AstExplain *explain)
{
    birch_db *db = stmt->db;
    bool analyze = false, verbose = false, costs = true;
    for (int idx = 0; idx < ast_list_count(explain->options); idx++) {
        const AstOption *option = explain->options->items[idx];
        if (strcmp(option->name, "analyze") == 0) analyze = option_bool(option->value);
        else if (strcmp(option->name, "verbose") == 0) verbose = option_bool(option->value);
        else if (strcmp(option->name, "costs") == 0) costs = option_bool(option->value);
        else if (strcmp(option->name, "format") == 0) {
            char text[32];
            TRY(option_text(option->value, text, sizeof text));
            if (strcasecmp(text, "text") != 0) {
                return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "EXPLAIN format %s is not supported yet", text);
            }
        }
    }
    SessPrepared *prepared = stmt->prepared;
    PlannedStmt *planned = NULL;
    TRY(sess_plan_in_txn(db, prepared, stmt->exec_arena, explain->stmt, &planned));
    PlanNodeStats *stats = NULL;
    size_t stats_count = 0;
    double elapsed_ms = 0;
    if (analyze) {
        TRY(sess_lock_tables(db, planned));
        TRY(sess_planned_read_only_check(db, planned, stmt->prepared->stmt_sql));
        Vector *params = NULL;
        TRY(sess_stmt_params(stmt, planned, &params));
        TRY(sess_exec_ctx_init(stmt, planned, params, true));
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        TRY(exec_build(&stmt->ctx, planned->root, &stmt->root));
        TRY(exec_open(stmt->root));
        for (;;) {
            DataChunk *chunk = NULL;
            TRY(exec_next(stmt->root, &chunk));
            if (chunk == NULL) break;
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        elapsed_ms = (double)(end.tv_sec - start.tv_sec) * 1000.0 +
                     (double)(end.tv_nsec - start.tv_nsec) / 1e6;
        TRY(exec_stats(stmt->root, stmt->exec_arena, &stats, &stats_count));
        exec_close(stmt->root);
        stmt->root = NULL;
    }
    const char **lines = NULL;
    size_t line_count = 0;
    TRY(plan_explain(stmt->exec_arena, planned, stats, stats_count, verbose, costs, &lines,
                     &line_count));
    if (analyze) {
        const char **all = arena_alloc(stmt->exec_arena, (line_count + 2) * sizeof *all);
        char *planning = arena_alloc(stmt->exec_arena, 64);
        char *execution = arena_alloc(stmt->exec_arena, 64);
        if (all == NULL || planning == NULL || execution == NULL) return oom();
        memcpy(all, lines, line_count * sizeof *all);
        snprintf(planning, 64, "Planning Time: %.3f ms", 0.0);
        snprintf(execution, 64, "Execution Time: %.3f ms", elapsed_ms);
        all[line_count++] = planning;
        all[line_count++] = execution;
        lines = all;
    }
    TRY(sess_util_rows(stmt, 1, lines, (uint32_t)line_count));
    sess_set_tag(stmt, "EXPLAIN");
    return NULL;
}

/* ddl_command_name: PostgreSQL's command tag of a DDL statement, for the read-only error. */
static const char *ddl_command_name(const AstStmt *ast)
{
    static const char *const DROPS[] = {"DROP TABLE", "DROP INDEX", "DROP VIEW", "DROP SCHEMA",
                                        "DROP SEQUENCE", "DROP ROLE"};
    switch (ast->kind) {
    case AST_STMT_CREATE_TABLE:
        return ast->u.create_table->as_query != NULL ? "CREATE TABLE AS" : "CREATE TABLE";
    case AST_STMT_CREATE_INDEX: return "CREATE INDEX";
    case AST_STMT_CREATE_VIEW: return "CREATE VIEW";
    case AST_STMT_CREATE_SCHEMA: return "CREATE SCHEMA";
    case AST_STMT_CREATE_SEQUENCE: return "CREATE SEQUENCE";
    case AST_STMT_ALTER_SEQUENCE: return "ALTER SEQUENCE";
    case AST_STMT_ALTER_TABLE: return ast->u.alter_table->view ? "ALTER VIEW" : "ALTER TABLE";
    case AST_STMT_DROP:
        return (unsigned)ast->u.drop->object < sizeof DROPS / sizeof DROPS[0]
                   ? DROPS[ast->u.drop->object] : "DROP";
    case AST_STMT_TRUNCATE: return "TRUNCATE TABLE";
    case AST_STMT_COMMENT: return "COMMENT";
    case AST_STMT_CREATE_ROLE: return "CREATE ROLE";
    case AST_STMT_ALTER_ROLE: return "ALTER ROLE";
    default: return "this command";
    }
}

static Error *run_ddl(birch_stmt *stmt, const AstStmt *ast)
{
    birch_db *db = stmt->db;
    DdlCtx ctx = {
        .arena = stmt->exec_arena,
        .catalog = engine_catalog(db->engine),
        .txn = db->txn,
        .search_path = db->search_path,
        .search_path_count = db->search_path_count,
        .resolver = exec_resolver(),
        .dt = &db->dt,
        .sql = stmt->prepared->sql,
        .interrupt = &db->interrupt,
        .work_mem = db->work_mem,
        .hooks = sess_hooks(db),
        .locks = engine_locks(db->engine),
    };
    const char *tag = NULL;
    TRY(sess_read_only_check(db, ddl_command_name(ast)));
    TRY(ddl_execute(&ctx, ast, ddl_notice, db, &tag));
    sess_set_tag(stmt, tag != NULL ? tag : "");
    return NULL;
}

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
    if (*table_out == NULL) {
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", relname);
    }
    return NULL;
}

static Error *run_lock(birch_stmt *stmt, const AstLock *lock)
{
    birch_db *db = stmt->db;
    if (!db->block) {
        return err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                       "LOCK TABLE can only be used in transaction blocks");
    }
    static const char *const MODES[] = {NULL, "access share", "row share", "row exclusive",
                                        "share update exclusive", "share",
                                        "share row exclusive", "exclusive", "access exclusive"};
    LockMode mode = LOCK_ACCESS_EXCLUSIVE;
    if (lock->mode != NULL) {
        mode = LOCK_MODE_NONE;
        for (int idx = 1; idx < LOCK_MODE_COUNT; idx++) {
            if (strcasecmp(lock->mode, MODES[idx]) == 0) mode = (LockMode)idx;
        }
        if (mode == LOCK_MODE_NONE) {
            return err_new(SQLSTATE_SYNTAX_ERROR, "unrecognized lock mode \"%s\"", lock->mode);
        }
    }
    for (int idx = 0; idx < ast_list_count(lock->tables); idx++) {
        const CatTable *table = NULL;
        TRY(resolve_table(db, lock->tables->items[idx], &table));
        TRY(lock_table(engine_locks(db->engine), txn_lock_owner(db->txn), table->oid, mode,
                       lock->nowait ? LOCK_WAIT_NOWAIT : LOCK_WAIT_BLOCK, NULL));
    }
    sess_set_tag(stmt, "LOCK TABLE");
    return NULL;
}

/* check_tables: every table VACUUM / ANALYZE names exists (42P01 otherwise), looked up in the
 * session's transaction or a short one of its own. */
static Error *check_tables(birch_db *db, const AstVacuum *vacuum)
{
    if (ast_list_count(vacuum->tables) == 0) return NULL;
    bool own = db->txn == NULL && !db->block && db->exec_hold == 0;
    TRY(sess_txn_ensure(db));
    Error *err = NULL;
    for (int idx = 0; err == NULL && idx < ast_list_count(vacuum->tables); idx++) {
        const CatTable *table = NULL;
        err = resolve_table(db, vacuum->tables->items[idx], &table);
    }
    if (own) {
        Error *end_err = sess_txn_end(db, true);
        if (end_err != NULL && err == NULL) err = end_err;
        else if (end_err != NULL) err_free(end_err);
    }
    return err;
}

static Error *run_analyze(birch_stmt *stmt, const AstVacuum *vacuum)
{
    if (stmt->db->failed) return sess_failed_txn_error();
    TRY(ddl_analyze_run(stmt, vacuum));   /* stats: ANALYZE hook */
    sess_set_tag(stmt, "ANALYZE");
    return NULL;
}

static Error *run_vacuum(birch_stmt *stmt, const AstVacuum *vacuum)
{
    birch_db *db = stmt->db;
    if (db->block || db->exec_hold > 0) {
        return err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                       "VACUUM cannot run inside a transaction block");
    }
    TRY(check_tables(db, vacuum));
    TxnPurgeStats stats;
    TRY(txn_purge_run(engine_manager(db->engine), &stats));
    for (int idx = 0; idx < ast_list_count(vacuum->options); idx++) {   /* stats: ANALYZE hook */
        const AstOption *option = vacuum->options->items[idx];
        if (strcmp(option->name, "analyze") == 0 && option_bool(option->value)) {
            TRY(ddl_analyze_run(stmt, vacuum));
        }
    }
    sess_set_tag(stmt, "VACUUM");
    return NULL;
}

static Error *run_discard(birch_stmt *stmt, const AstSet *discard)
{
    birch_db *db = stmt->db;
    const char *what = discard->name;
    if (strcasecmp(what, "all") == 0) {
        if (db->block) {
            return err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                           "DISCARD ALL cannot run inside a transaction block");
        }
        TRY(sess_guc_reset_all(db));
        sess_named_free_all(db);
        sess_cursors_free_all(db);
        sess_unlisten_all(db);   /* sessions: DISCARD ALL includes UNLISTEN * */
        db->seq_count = 0;
        sess_set_tag(stmt, "DISCARD ALL");
    } else if (strcasecmp(what, "sequences") == 0) {
        db->seq_count = 0;
        sess_set_tag(stmt, "DISCARD SEQUENCES");
    } else if (strcasecmp(what, "plans") == 0) {
        sess_set_tag(stmt, "DISCARD PLANS");
    } else {
        sess_set_tag(stmt, "DISCARD TEMP");
    }
    return NULL;
}

static Error *run_prepare(birch_stmt *stmt, const AstPrepare *prepare)
{
    birch_db *db = stmt->db;
    if (sess_named_find(db, prepare->name) != NULL) {
        return err_new(SQLSTATE_DUPLICATE_PREPARED_STATEMENT,
                       "prepared statement \"%s\" already exists", prepare->name);
    }
    uint32_t type_count = (uint32_t)ast_list_count(prepare->types);
    Type *types = type_count > 0 ? arena_alloc(stmt->exec_arena, type_count * sizeof *types)
                                 : NULL;
    if (type_count > 0 && types == NULL) return oom();
    for (uint32_t idx = 0; idx < type_count; idx++) {
        TRY(plan_type_from_ast(prepare->types->items[idx], &types[idx]));
    }
    SessPrepared *inner = NULL;
    /* the inner AST lives in the PREPARE statement's arena: keep that alive */
    TRY(sess_compile_ast(db, stmt->prepared->sql, prepare->stmt, type_count, types, &inner));
    inner->owner = stmt->prepared;
    stmt->prepared->refcount++;
    SessNamed *named = calloc(1, sizeof *named);
    char *name = strdup(prepare->name);
    if (named == NULL || name == NULL) {
        free(named);
        free(name);
        sess_prepared_release(inner);
        return oom();
    }
    named->name = name;
    named->prepared = inner;
    named->next = db->named;
    db->named = named;
    sess_set_tag(stmt, "PREPARE");
    return NULL;
}

static Error *run_deallocate(birch_stmt *stmt, const AstDrop *deallocate)
{
    birch_db *db = stmt->db;
    if (deallocate->names == NULL || ast_list_count(deallocate->names) == 0) {
        sess_named_free_all(db);
        sess_set_tag(stmt, "DEALLOCATE ALL");
        return NULL;
    }
    const char *name = deallocate->names->items[0];
    for (SessNamed **link = &db->named; *link != NULL; link = &(*link)->next) {
        if (strcmp((*link)->name, name) == 0) {
            SessNamed *named = *link;
            *link = named->next;
            sess_prepared_release(named->prepared);
            free(named->name);
            free(named);
            sess_set_tag(stmt, "DEALLOCATE");
            return NULL;
        }
    }
    return err_new(SQLSTATE_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist",
                   name);
}

/* execute_args: EXECUTE name(args): constants cast to the named statement's parameter types. */
Error *sess_execute_args(birch_stmt *stmt, const AstExecute *execute, SessPrepared *target,
                           Vector **params_out)
{
    uint32_t arg_count = (uint32_t)ast_list_count(execute->args);
    if (arg_count != target->param_count) {
        return err_new(SQLSTATE_SYNTAX_ERROR,
                       "wrong number of parameters for prepared statement \"%s\"",
                       execute->name);
    }
    *params_out = NULL;
    if (arg_count == 0) return NULL;
    Vector *params = arena_calloc(stmt->exec_arena, arg_count * sizeof *params);
    if (params == NULL) return oom();
    for (uint32_t idx = 0; idx < arg_count; idx++) {
        const AstExpr *arg = execute->args->items[idx];
        Vector text;
        vec_init(&text, type_plain(TYPE_TEXT), stmt->exec_arena);
        TRY(vec_reserve(&text, 1));
        if (arg->kind == AST_EXPR_NULL) {
            TRY(vec_set_null(&text, 0));
        } else {
            char value[4096];
            TRY(option_text(arg, value, sizeof value));
            TRY(vec_str_set(&text, 0, value, (uint32_t)strlen(value)));
        }
        Type type = target->param_types[idx];
        if (type.id == TYPE_INVALID || type.id == TYPE_UNKNOWN) type = type_plain(TYPE_TEXT);
        TRY(sess_cast_one(stmt->db, &text, type, stmt->exec_arena, &params[idx]));
    }
    *params_out = params;
    return NULL;
}


/* run_copy: COPY runs in executor/copy.c (copy hook) */
static Error *run_copy(birch_stmt *stmt, const AstStmt *ast)
{
    if (ast->u.copy->is_from) TRY(sess_read_only_check(stmt->db, "COPY FROM"));
    return copy_run(stmt, ast);
}

static Error *run_declare(birch_stmt *stmt, const AstDeclareCursor *declare);
static Error *run_fetch(birch_stmt *stmt, const AstFetch *fetch);
static Error *run_close(birch_stmt *stmt, const AstFetch *close);

Error *sess_run_utility(birch_stmt *stmt, const AstStmt *ast)
{
    switch (ast->kind) {
    case AST_STMT_TRANSACTION:
        return run_transaction(stmt, ast->u.transaction);
    case AST_STMT_SET:
        return run_set(stmt, ast->u.set);
    case AST_STMT_SHOW:
        return run_show(stmt, ast->u.set);
    case AST_STMT_RESET:
        return run_reset(stmt, ast->u.set);
    case AST_STMT_EXPLAIN:
        return run_explain(stmt, ast->u.explain);
    case AST_STMT_VACUUM:
        return run_vacuum(stmt, ast->u.vacuum);
    case AST_STMT_ANALYZE:
        return run_analyze(stmt, ast->u.vacuum);
    case AST_STMT_DISCARD:
        return run_discard(stmt, ast->u.discard);
    case AST_STMT_PREPARE:
        return run_prepare(stmt, ast->u.prepare);
    case AST_STMT_DEALLOCATE:
        return run_deallocate(stmt, ast->u.deallocate);
    case AST_STMT_LOCK:
        return run_lock(stmt, ast->u.lock);
    case AST_STMT_CREATE_TABLE:
    case AST_STMT_CREATE_INDEX:
    case AST_STMT_CREATE_VIEW:
    case AST_STMT_CREATE_SCHEMA:
    case AST_STMT_CREATE_SEQUENCE:
    case AST_STMT_ALTER_SEQUENCE:
    case AST_STMT_ALTER_TABLE:
    case AST_STMT_DROP:
    case AST_STMT_TRUNCATE:
    case AST_STMT_COMMENT:
        return run_ddl(stmt, ast);
    case AST_STMT_COPY:
        return run_copy(stmt, ast);
    case AST_STMT_CREATE_ROLE:
    case AST_STMT_ALTER_ROLE:
        return run_ddl(stmt, ast);   /* roles: ddl_execute -> executor/ddl_role.c */
    case AST_STMT_DECLARE_CURSOR:
        return run_declare(stmt, ast->u.declare_cursor);
    case AST_STMT_FETCH:
        return run_fetch(stmt, ast->u.fetch);
    case AST_STMT_CLOSE:
        return run_close(stmt, ast->u.fetch);
    case AST_STMT_LISTEN:   /* sessions: LISTEN / NOTIFY (applied at commit) */
        TRY(sess_listen_action(stmt->db, ast->u.set->name, true));
        sess_set_tag(stmt, "LISTEN");
        return NULL;
    case AST_STMT_UNLISTEN:
        TRY(sess_listen_action(stmt->db, ast->u.set->name, false));
        sess_set_tag(stmt, "UNLISTEN");
        return NULL;
    case AST_STMT_NOTIFY: {
        const AstExpr *payload = ast_list_count(ast->u.set->values) > 0
                                     ? ast->u.set->values->items[0] : NULL;
        TRY(sess_notify_queue(stmt->db, ast->u.set->name,
                              payload != NULL ? payload->text : NULL,
                              payload != NULL ? strnlen(payload->text, payload->text_size) : 0));
        sess_set_tag(stmt, "NOTIFY");
        return NULL;
    }
    default:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "this statement is not supported yet");
    }
}


/* ================================================================ sessions: read-only ==== */

bool sess_txn_read_only(const birch_db *db)
{
    return db->block ? db->block_read_only : guc_on(db, GUC_DEFAULT_TXN_READ_ONLY);
}

Error *sess_read_only_check(const birch_db *db, const char *command)
{
    if (!sess_txn_read_only(db)) return NULL;
    return err_new(SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                   "cannot execute %s in a read-only transaction", command);
}

/* select_writer: what a SELECT's text makes it write, as PostgreSQL names the command: a
 * locking clause ("SELECT FOR UPDATE" ...), else a call of nextval() or setval() (a name
 * followed by '('); NULL if neither. Only read-only transactions pay for this scan. */
static const char *select_writer(const char *sql, bool for_update)
{
    Arena *arena = arena_create(4096);
    if (arena == NULL) return for_update ? "SELECT FOR UPDATE" : NULL;
    Tokenizer tok;
    tok_init(&tok, arena, sql);
    const char *found = NULL, *call = NULL;
    bool after_for = false, after_for_no = false, after_for_key = false;
    size_t token_count_max = strlen(sql) + 1;
    for (size_t token_idx = 0; token_idx < token_count_max && found == NULL; token_idx++) {
        Token token;
        Error *err = tok_next(&tok, &token);
        if (err != NULL) {
            err_free(err);
            break;
        }
        if (token.kind == TOK_EOF) break;
        bool word = token.kind == TOK_IDENT && !token.quoted;
        if (token.kind == TOK_PUNCT && token.text[0] == '(' && call != NULL) found = call;
        call = NULL;
        if (token.kind == TOK_IDENT) {
            if (strcmp(token.text, "nextval") == 0) call = "nextval()";
            else if (strcmp(token.text, "setval") == 0) call = "setval()";
        }
        if (for_update && (after_for || after_for_no || after_for_key) && word) {
            if (after_for_no && strcmp(token.text, "update") == 0) found = "SELECT FOR NO KEY UPDATE";
            else if (after_for_key && strcmp(token.text, "share") == 0) found = "SELECT FOR KEY SHARE";
            else if (after_for && strcmp(token.text, "update") == 0) found = "SELECT FOR UPDATE";
            else if (after_for && strcmp(token.text, "share") == 0) found = "SELECT FOR SHARE";
        }
        after_for_key = word && (after_for || after_for_no) && strcmp(token.text, "key") == 0;
        after_for_no = word && after_for && strcmp(token.text, "no") == 0;
        after_for = word && strcmp(token.text, "for") == 0;
    }
    arena_destroy(arena);
    if (found == NULL && for_update) found = "SELECT FOR UPDATE";
    return found;
}

Error *sess_planned_read_only_check(const birch_db *db, const PlannedStmt *planned,
                                    const char *sql)
{
    if (!sess_txn_read_only(db)) return NULL;
    switch (planned->kind) {
    case PLANNED_INSERT: return sess_read_only_check(db, "INSERT");
    case PLANNED_UPDATE: return sess_read_only_check(db, "UPDATE");
    case PLANNED_DELETE: return sess_read_only_check(db, "DELETE");
    case PLANNED_SELECT: break;
    }
    const char *writer = sql != NULL ? select_writer(sql, planned->for_update)
                                     : planned->for_update ? "SELECT FOR UPDATE" : NULL;
    return writer != NULL ? sess_read_only_check(db, writer) : NULL;
}

/* ================================================================ sessions: cursors ==== */

/* SessCursor: DECLARE name CURSOR FOR query. Until its transaction ends it reads through its
 * own portal (stmt, started at DECLARE, kept in db->active between FETCHes so the snapshot it
 * reads through is not replaced under it); a WITH HOLD cursor whose transaction commits keeps
 * the rows it had not returned yet in chunks of its own (materialized) and outlives it. */
typedef struct SessCursor {
    struct SessCursor *next;
    char        *name;            /* malloc'd */
    bool         hold;
    bool         scroll;          /* SCROLL: materialized at DECLARE, any direction */
    bool         in_txn;          /* its declaring transaction has not ended yet */
    birch_stmt  *stmt;            /* the portal; NULL once materialized */
    bool         held_row;        /* stmt's current row was read but not handed out yet */
    uint64_t     position;        /* rows handed out (FETCH) or skipped (MOVE) so far; for SCROLL
                                   * PostgreSQL's portal position: 0 before the first row, n on
                                   * row n, row_total + 1 after the last */
    uint64_t     row_total;       /* SCROLL: rows materialized */
    Arena       *arena;           /* columns and materialized rows */
    uint32_t     column_count;
    PlanColumn  *columns;
    DataChunk  **chunks;          /* materialized rows (in arena) */
    size_t       chunk_count, chunk_capacity;
    size_t       chunk_idx;       /* the next row to read: chunks[chunk_idx], row_in_chunk */
    uint32_t     row_in_chunk;
} SessCursor;

enum { CURSOR_COUNT_MAX = 100000 };

static SessCursor *cursor_find(birch_db *db, const char *name)
{
    for (SessCursor *cursor = db->cursors; cursor != NULL; cursor = cursor->next) {
        if (strcmp(cursor->name, name) == 0) return cursor;
    }
    return NULL;
}

static Error *cursor_missing(const char *name)
{
    return err_new(SQLSTATE_INVALID_CURSOR_NAME, "cursor \"%s\" does not exist", name);
}

static void cursor_free(SessCursor *cursor)
{
    if (cursor == NULL) return;
    if (cursor->stmt != NULL) sess_stmt_free(cursor->stmt);
    if (cursor->arena != NULL) arena_destroy(cursor->arena);
    free(cursor->chunks);
    free(cursor->name);
    free(cursor);
}

/* cursor_peek: the cursor's next row (*have_out false at the end), not yet consumed. */
static Error *cursor_peek(SessCursor *cursor, const DataChunk **chunk_out, uint32_t *row_out,
                          bool *have_out)
{
    *have_out = false;
    if (cursor->stmt != NULL) {
        if (!cursor->held_row) {
            Error *err = NULL;
            int rc = sess_step(cursor->stmt, &err);
            if (rc == BIRCH_ERROR) return err;
            if (rc != BIRCH_ROW) return NULL;
            cursor->held_row = true;
        }
        *chunk_out = cursor->stmt->chunk;
        *row_out = cursor->stmt->row_idx;
        *have_out = true;
        return NULL;
    }
    while (cursor->chunk_idx < cursor->chunk_count) {
        const DataChunk *chunk = cursor->chunks[cursor->chunk_idx];
        if (cursor->row_in_chunk < chunk->row_count) {
            *chunk_out = chunk;
            *row_out = cursor->row_in_chunk;
            *have_out = true;
            return NULL;
        }
        cursor->chunk_idx++;
        cursor->row_in_chunk = 0;
    }
    return NULL;
}

static void cursor_consume(SessCursor *cursor)
{
    if (cursor->stmt != NULL) cursor->held_row = false;
    else cursor->row_in_chunk++;
    cursor->position++;
}

/* out_chunk_begin: an empty chunk in arena for up to capacity rows shaped like src's vectors
 * (NUMERIC vectors differ in physical form from chunk to chunk). */
static Error *out_chunk_begin(DataChunk *out, const DataChunk *src, uint32_t capacity,
                              Arena *arena)
{
    uint32_t column_count = src->column_count;
    Vector *columns = arena_calloc(arena, (column_count + 1) * sizeof *columns);
    if (columns == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        const Vector *from = &src->columns[col_idx];
        vec_init_phys(&columns[col_idx], from->type, (VecPhys)from->phys, from->numeric_scale,
                      arena);
        TRY(vec_reserve(&columns[col_idx], capacity));
    }
    *out = (DataChunk){.column_count = column_count, .columns = columns, .arena = arena};
    return NULL;
}

static bool out_chunk_fits(const DataChunk *out, const DataChunk *src)
{
    if (out->column_count != src->column_count) return false;
    for (uint32_t col_idx = 0; col_idx < out->column_count; col_idx++) {
        if (out->columns[col_idx].phys != src->columns[col_idx].phys ||
            out->columns[col_idx].numeric_scale != src->columns[col_idx].numeric_scale) {
            return false;
        }
    }
    return true;
}

static Error *out_chunk_add(DataChunk *out, const DataChunk *src, uint32_t src_row)
{
    for (uint32_t col_idx = 0; col_idx < out->column_count; col_idx++) {
        TRY(vec_copy_row(&out->columns[col_idx], out->row_count, &src->columns[col_idx],
                         src_row));
    }
    out->row_count++;
    return NULL;
}

/* cursor_materialize: read the rest of the cursor's portal into its own chunks and close the
 * portal (WITH HOLD at commit, or at once outside a transaction block). */
static Error *cursor_materialize(SessCursor *cursor)
{
    DataChunk *store = NULL;
    for (;;) {
        const DataChunk *src = NULL;
        uint32_t src_row = 0;
        bool have = false;
        TRY(cursor_peek(cursor, &src, &src_row, &have));
        if (!have) break;
        if (store == NULL || store->row_count == VEC_VALUE_COUNT_MAX ||
            !out_chunk_fits(store, src)) {
            if (cursor->chunk_count == cursor->chunk_capacity) {
                size_t capacity = cursor->chunk_capacity == 0 ? 8 : cursor->chunk_capacity * 2;
                DataChunk **grown = realloc(cursor->chunks, capacity * sizeof *grown);
                if (grown == NULL) return oom();
                cursor->chunks = grown;
                cursor->chunk_capacity = capacity;
            }
            store = arena_calloc(cursor->arena, sizeof *store);
            if (store == NULL) return oom();
            TRY(out_chunk_begin(store, src, VEC_VALUE_COUNT_MAX, cursor->arena));
            cursor->chunks[cursor->chunk_count++] = store;
        }
        TRY(out_chunk_add(store, src, src_row));
        cursor->held_row = false;   /* stored, not handed out: position unchanged */
    }
    birch_stmt *stmt = cursor->stmt;
    cursor->stmt = NULL;
    cursor->held_row = false;
    cursor->chunk_idx = 0;
    cursor->row_in_chunk = 0;
    sess_stmt_free(stmt);
    return NULL;
}

void sess_cursors_txn_end(birch_db *db, bool commit)
{
    SessCursor **link = &db->cursors;
    while (*link != NULL) {
        SessCursor *cursor = *link;
        bool keep = !cursor->in_txn;   /* held from an earlier transaction */
        if (cursor->in_txn && cursor->hold && commit && cursor->stmt == NULL) keep = true;
        if (cursor->in_txn && cursor->stmt != NULL && cursor->hold && commit) {
            Error *err = cursor_materialize(cursor);
            if (err == NULL) {
                keep = true;
            } else {
                /* the commit goes on; the cursor is lost, and the client told why */
                err->severity = ERR_SEVERITY_WARNING;
                err_set_context(err, "closing cursor \"%s\" WITH HOLD at commit", cursor->name);
                sess_notice(db, err);
            }
        }
        if (keep) {
            cursor->in_txn = false;
            link = &cursor->next;
        } else {
            *link = cursor->next;
            cursor_free(cursor);
        }
    }
}

void sess_cursors_free_all(birch_db *db)
{
    while (db->cursors != NULL) {
        SessCursor *cursor = db->cursors;
        db->cursors = cursor->next;
        cursor_free(cursor);
    }
}

/* columns_copy: count result columns (names and types) into arena. */
static Error *columns_copy(Arena *arena, const PlanColumn *from, uint32_t count,
                           PlanColumn **columns_out)
{
    PlanColumn *columns = arena_calloc(arena, (count + 1) * sizeof *columns);
    if (columns == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
        columns[col_idx] = from[col_idx];
        columns[col_idx].name = arena_strdup(arena, from[col_idx].name != NULL
                                                        ? from[col_idx].name : "?column?");
        if (columns[col_idx].name == NULL) return oom();
    }
    *columns_out = columns;
    return NULL;
}

Error *sess_cursor_describe(birch_db *db, SessPrepared *prepared)
{
    const AstFetch *fetch = prepared->ast->u.fetch;
    SessCursor *cursor = cursor_find(db, fetch->name);
    if (cursor == NULL) return cursor_missing(fetch->name);
    TRY(columns_copy(prepared->arena, cursor->columns, cursor->column_count, &prepared->columns));
    prepared->column_count = cursor->column_count;
    prepared->returns_rows = true;
    return NULL;
}

static Error *run_declare(birch_stmt *stmt, const AstDeclareCursor *declare)
{
    birch_db *db = stmt->db;
    if (cursor_find(db, declare->name) != NULL) {
        return err_new(SQLSTATE_DUPLICATE_CURSOR, "cursor \"%s\" already exists", declare->name);
    }
    if (!db->block && !declare->hold) {
        return err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                       "DECLARE CURSOR can only be used in transaction blocks");
    }
    if (declare->binary) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "binary cursors are not supported");
    }
    size_t count = 0;
    for (SessCursor *each = db->cursors; each != NULL; each = each->next) count++;
    if (count >= CURSOR_COUNT_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "too many open cursors");
    }
    /* the query as a statement of its own, in the DECLARE's arena (the cursor's plan keeps
     * that arena alive, as PREPARE's inner statement does) */
    SessPrepared *outer = stmt->prepared;
    AstStmt *query = arena_calloc(outer->arena, sizeof *query);
    if (query == NULL) return oom();
    *query = (AstStmt){.kind = AST_STMT_SELECT, .position = outer->ast->position,
                       .text_start = outer->ast->text_start, .text_end = outer->ast->text_end};
    query->u.select = declare->query;
    SessPrepared *inner = NULL;
    TRY(sess_compile_ast(db, outer->sql, query, 0, NULL, &inner));
    inner->owner = outer;
    outer->refcount++;
    SessCursor *cursor = calloc(1, sizeof *cursor);
    Error *err = NULL;
    if (cursor == NULL || (cursor->name = strdup(declare->name)) == NULL ||
        (cursor->arena = arena_create(8192)) == NULL) {
        err = oom();
    }
    if (err == NULL) {
        cursor->hold = declare->hold;
        cursor->scroll = declare->scroll > 0;
        cursor->in_txn = true;
        cursor->column_count = inner->column_count;
        err = columns_copy(cursor->arena, inner->columns, inner->column_count, &cursor->columns);
    }
    if (err == NULL) err = sess_stmt_new(db, inner, &cursor->stmt);
    sess_prepared_release(inner);
    if (err == NULL) {
        cursor->stmt->is_cursor = true;
        err = sess_stmt_open(cursor->stmt);
    }
    /* outside a block (WITH HOLD) the transaction ends with this statement: keep the rows; a
     * SCROLL cursor keeps every row from the start, to go back to them */
    if (err == NULL && (!db->block || cursor->scroll)) err = cursor_materialize(cursor);
    if (err == NULL && cursor->scroll) {
        for (size_t chunk_idx = 0; chunk_idx < cursor->chunk_count; chunk_idx++) {
            cursor->row_total += cursor->chunks[chunk_idx]->row_count;
        }
    }
    if (err != NULL) {
        cursor_free(cursor);
        return err;
    }
    cursor->next = db->cursors;
    db->cursors = cursor;
    sess_set_tag(stmt, "DECLARE CURSOR");
    return NULL;
}

static Error *forward_only(void)
{
    return err_set_hint(err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                "cursor can only scan forward"),
                        "Declare it with SCROLL option to enable backward scan.");
}

/* fetch_plan: FETCH/MOVE's direction as rows to skip, then rows to take (UINT64_MAX: all),
 * on a cursor that can only go forward. */
static Error *fetch_plan(const SessCursor *cursor, const AstFetch *fetch, uint64_t *skip_out,
                         uint64_t *take_out)
{
    *skip_out = 0;
    *take_out = 0;
    int64_t count = fetch->count;
    switch (fetch->direction) {
    case AST_FETCH_FORWARD:
        if (fetch->all) {
            *take_out = UINT64_MAX;
            return NULL;
        }
        if (count < 0) return forward_only();
        if (count == 0) break;
        *take_out = (uint64_t)count;
        return NULL;
    case AST_FETCH_BACKWARD:
        if (!fetch->all && count == 0) break;
        if (!fetch->all && count < 0) {
            *take_out = (uint64_t)-count;
            return NULL;
        }
        return forward_only();
    case AST_FETCH_ABSOLUTE:
        if (count <= 0 || (uint64_t)count < cursor->position) return forward_only();
        if ((uint64_t)count == cursor->position) break;
        *skip_out = (uint64_t)count - cursor->position - 1;
        *take_out = 1;
        return NULL;
    case AST_FETCH_RELATIVE:
        if (count < 0) return forward_only();
        if (count == 0) break;
        *skip_out = (uint64_t)count - 1;
        *take_out = 1;
        return NULL;
    }
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                   "fetching the current row again (FETCH 0, RELATIVE 0) is not supported");
}

/* scroll_plan: a SCROLL cursor's FETCH/MOVE as PostgreSQL's portal does it: *count_out rows
 * starting at row *first_out (1-based) stepping by *step_out, and the position afterwards. */
static void scroll_plan(const SessCursor *cursor, const AstFetch *fetch, uint64_t *first_out,
                        int *step_out, uint64_t *count_out, uint64_t *position_out)
{
    uint64_t position = cursor->position, total = cursor->row_total;
    AstFetchDirection direction = fetch->direction;
    int64_t count = fetch->count;
    *first_out = 0;
    *step_out = 1;
    *count_out = 0;
    *position_out = position;
    if (!fetch->all && count < 0 && direction == AST_FETCH_FORWARD) {
        direction = AST_FETCH_BACKWARD;
        count = -count;
    } else if (!fetch->all && count < 0 && direction == AST_FETCH_BACKWARD) {
        direction = AST_FETCH_FORWARD;
        count = -count;
    }
    bool current = !fetch->all && count == 0 &&
                   (direction == AST_FETCH_FORWARD || direction == AST_FETCH_BACKWARD ||
                    direction == AST_FETCH_RELATIVE);
    if (current) {
        if (position >= 1 && position <= total) {
            *first_out = position;
            *count_out = 1;
        }
        return;
    }
    uint64_t want = fetch->all ? UINT64_MAX : (uint64_t)count;
    if (direction == AST_FETCH_FORWARD) {
        uint64_t available = position >= total ? 0 : total - position;
        uint64_t take = want < available ? want : available;
        *first_out = position + 1;
        *count_out = take;
        *position_out = want > available ? total + 1 : position + take;
        return;
    }
    if (direction == AST_FETCH_BACKWARD) {
        uint64_t start = position > total ? total : position == 0 ? 0 : position - 1;
        uint64_t take = want < start ? want : start;
        *first_out = start;
        *step_out = -1;
        *count_out = take;
        *position_out = want > start ? 0 : start - take + 1;
        return;
    }
    int64_t target = 0;
    if (direction == AST_FETCH_ABSOLUTE) {
        target = count > 0 ? count : count < 0 ? (int64_t)total + 1 + count : 0;
    } else {
        target = (int64_t)position + count;
    }
    if (target >= 1 && (uint64_t)target <= total) {
        *first_out = (uint64_t)target;
        *count_out = 1;
        *position_out = (uint64_t)target;
    } else {
        *position_out = target > (int64_t)total ? total + 1 : 0;
    }
}

/* cursor_row_at: row row_number (1-based) of a SCROLL cursor's materialized rows. */
static bool cursor_row_at(const SessCursor *cursor, uint64_t row_number,
                          const DataChunk **chunk_out, uint32_t *row_out)
{
    uint64_t before = 0;
    for (size_t chunk_idx = 0; chunk_idx < cursor->chunk_count; chunk_idx++) {
        const DataChunk *chunk = cursor->chunks[chunk_idx];
        if (row_number > before && row_number <= before + chunk->row_count) {
            *chunk_out = chunk;
            *row_out = (uint32_t)(row_number - before - 1);
            return true;
        }
        before += chunk->row_count;
    }
    return false;
}

/* FetchOp: FETCH's rows, copied from the cursor a chunk at a time (the cursor is looked up
 * by name at every call: another statement may have closed it meanwhile). */
typedef struct FetchOp {
    Op          base;
    birch_stmt *stmt;          /* the FETCH statement (its tag) */
    char       *name;
    uint64_t    remaining;     /* rows still to return */
    uint64_t    count;         /* rows returned */
    bool        scroll;        /* rows by number: next_row, then step */
    uint64_t    next_row;
    int         step;
    Arena      *arena;         /* the current chunk */
    DataChunk   out;
    bool        done;
} FetchOp;

static Error *fetch_op_open(Op *op)
{
    (void)op;
    return NULL;
}

static Error *fetch_op_next(Op *op, DataChunk **chunk_out)
{
    FetchOp *fetch = (FetchOp *)op;
    *chunk_out = NULL;
    if (fetch->done) return NULL;
    SessCursor *cursor = cursor_find(fetch->stmt->db, fetch->name);
    if (cursor == NULL) return cursor_missing(fetch->name);
    arena_reset(fetch->arena);
    fetch->out = (DataChunk){0};
    uint32_t row_count = 0;
    while (fetch->remaining > 0 && row_count < VEC_VALUE_COUNT_MAX) {
        const DataChunk *src = NULL;
        uint32_t src_row = 0;
        bool have = false;
        if (fetch->scroll) {
            have = cursor_row_at(cursor, fetch->next_row, &src, &src_row);
        } else {
            TRY(cursor_peek(cursor, &src, &src_row, &have));
        }
        if (!have) break;
        if (src->column_count != cursor->column_count ||
            src->column_count != fetch->stmt->prepared->column_count) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cursor \"%s\" changed its row type",
                           fetch->name);
        }
        if (row_count == 0) {
            uint32_t capacity = fetch->remaining < VEC_VALUE_COUNT_MAX
                                    ? (uint32_t)fetch->remaining : VEC_VALUE_COUNT_MAX;
            TRY(out_chunk_begin(&fetch->out, src, capacity, fetch->arena));
        } else if (!out_chunk_fits(&fetch->out, src)) {
            break;   /* the next chunk starts with this row */
        }
        TRY(out_chunk_add(&fetch->out, src, src_row));
        row_count++;
        if (fetch->scroll) fetch->next_row += (uint64_t)(int64_t)fetch->step;
        else cursor_consume(cursor);
        fetch->remaining--;
        fetch->count++;
    }
    if (row_count == 0) {
        fetch->done = true;
        snprintf(fetch->stmt->tag, sizeof fetch->stmt->tag, "FETCH %llu",
                 (unsigned long long)fetch->count);
        return NULL;
    }
    *chunk_out = &fetch->out;
    return NULL;
}

static Error *fetch_op_rescan(Op *op)
{
    (void)op;
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "FETCH cannot be rescanned");
}

static void fetch_op_close(Op *op)
{
    FetchOp *fetch = (FetchOp *)op;
    if (fetch->arena != NULL) arena_destroy(fetch->arena);
    fetch->arena = NULL;
}

static const OpVtbl FETCH_OP_VTBL = {"Fetch", fetch_op_open, fetch_op_next, fetch_op_rescan,
                                     fetch_op_close};

static Error *run_fetch(birch_stmt *stmt, const AstFetch *fetch)
{
    birch_db *db = stmt->db;
    SessCursor *cursor = cursor_find(db, fetch->name);
    if (cursor == NULL) return cursor_missing(fetch->name);
    uint64_t skip = 0, take = 0, first = 0;
    int step = 1;
    if (cursor->scroll) {
        uint64_t position = 0;
        scroll_plan(cursor, fetch, &first, &step, &take, &position);
        cursor->position = position;
        if (fetch->move) {
            char tag[64];
            snprintf(tag, sizeof tag, "MOVE %llu", (unsigned long long)take);
            sess_set_tag(stmt, tag);
            return NULL;
        }
    } else {
        TRY(fetch_plan(cursor, fetch, &skip, &take));
    }
    for (uint64_t skipped = 0; skipped < skip; skipped++) {
        const DataChunk *src = NULL;
        uint32_t src_row = 0;
        bool have = false;
        TRY(cursor_peek(cursor, &src, &src_row, &have));
        if (!have) {
            take = 0;
            break;
        }
        cursor_consume(cursor);
    }
    if (fetch->move) {
        uint64_t moved = 0;
        while (moved < take) {
            const DataChunk *src = NULL;
            uint32_t src_row = 0;
            bool have = false;
            TRY(cursor_peek(cursor, &src, &src_row, &have));
            if (!have) break;
            cursor_consume(cursor);
            moved++;
            if ((moved & 1023) == 0) TRY(exec_check_interrupt(&(ExecCtx){.interrupt = &db->interrupt}));
        }
        char tag[64];
        snprintf(tag, sizeof tag, "MOVE %llu", (unsigned long long)moved);
        sess_set_tag(stmt, tag);
        return NULL;
    }
    FetchOp *op = arena_calloc(stmt->exec_arena, sizeof *op);
    char *name = arena_strdup(stmt->exec_arena, fetch->name);
    if (op == NULL || name == NULL) return oom();
    stmt->ctx.arena = stmt->exec_arena;
    stmt->ctx.interrupt = &db->interrupt;
    *op = (FetchOp){.base = {.vt = &FETCH_OP_VTBL, .ctx = &stmt->ctx}, .stmt = stmt,
                    .name = name, .remaining = take, .scroll = cursor->scroll,
                    .next_row = first, .step = step};
    op->arena = arena_create(16384);
    if (op->arena == NULL) return oom();
    stmt->root = &op->base;
    return NULL;
}

static Error *run_close(birch_stmt *stmt, const AstFetch *close)
{
    birch_db *db = stmt->db;
    if (close->name == NULL) {
        sess_cursors_free_all(db);
        sess_set_tag(stmt, "CLOSE CURSOR ALL");
        return NULL;
    }
    for (SessCursor **link = &db->cursors; *link != NULL; link = &(*link)->next) {
        if (strcmp((*link)->name, close->name) == 0) {
            SessCursor *cursor = *link;
            *link = cursor->next;
            cursor_free(cursor);
            sess_set_tag(stmt, "CLOSE CURSOR");
            return NULL;
        }
    }
    return cursor_missing(close->name);
}

/* ================================================================ sessions: LISTEN / NOTIFY ==== */

/* The process's listening sessions (one list for every engine: a notification goes to the
 * listeners whose engine is the sender's). Everything below the mutex: listener lists, channel
 * sets, queues, hooks. A session joins at its first LISTEN (or notify hook) and leaves at
 * birch_close, so an Engine pointer in the list always belongs to a live engine. */
typedef struct SessListener {
    struct SessListener *next;
    birch_db            *db;
    Engine              *engine;
    char               **channels;        /* malloc'd names (a small set: linear search) */
    size_t               channel_count, channel_capacity;
    SessNotifyMsg       *head, *tail;     /* delivered, not yet taken */
    size_t               queued_bytes;
    void               (*hook)(void *ctx);
    void                *hook_ctx;
} SessListener;

/* SessNotifyTxn: one transaction's pending NOTIFYs and LISTEN / UNLISTEN actions. */
typedef struct SessPendingNotify {
    char  *channel;                       /* malloc'd */
    char  *payload;                       /* malloc'd */
    size_t payload_size;
} SessPendingNotify;

typedef struct SessListenAction {
    char *channel;                        /* malloc'd; NULL: UNLISTEN * */
    bool  listen;
} SessListenAction;

typedef struct SessNotifyTxn {
    SessPendingNotify *notifies;
    size_t             notify_count, notify_capacity;
    SessListenAction  *actions;
    size_t             action_count, action_capacity;
} SessNotifyTxn;

static pthread_mutex_t g_listen_mutex = PTHREAD_MUTEX_INITIALIZER;
static SessListener   *g_listeners;

enum { NOTIFY_CHANNEL_MAX = 63 };   /* NAMEDATALEN - 1 */

static size_t notify_msg_bytes(size_t channel_size, size_t payload_size)
{
    return sizeof(SessNotifyMsg) + channel_size + payload_size + 2;
}

static Error *notify_txn_get(birch_db *db, SessNotifyTxn **ntxn_out)
{
    if (db->notify_txn == NULL) {
        db->notify_txn = calloc(1, sizeof *db->notify_txn);
        if (db->notify_txn == NULL) return oom();
    }
    *ntxn_out = db->notify_txn;
    return NULL;
}

static Error *channel_check(const char *channel)
{
    if (channel == NULL || channel[0] == '\0') {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "channel name cannot be empty");
    }
    if (strlen(channel) > NOTIFY_CHANNEL_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "channel name too long");
    }
    return NULL;
}

Error *sess_notify_queue(birch_db *db, const char *channel, const char *payload,
                         size_t payload_size)
{
    TRY(channel_check(channel));
    if (payload == NULL) payload_size = 0;
    if (payload_size >= SESS_NOTIFY_PAYLOAD_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "payload string too long");
    }
    SessNotifyTxn *ntxn = NULL;
    TRY(notify_txn_get(db, &ntxn));
    /* PostgreSQL folds a notification identical to one already pending in the transaction */
    for (size_t idx = 0; idx < ntxn->notify_count; idx++) {
        const SessPendingNotify *pending = &ntxn->notifies[idx];
        if (pending->payload_size == payload_size && strcmp(pending->channel, channel) == 0 &&
            memcmp(pending->payload, payload_size > 0 ? payload : "", payload_size) == 0) {
            return NULL;
        }
    }
    if (ntxn->notify_count == ntxn->notify_capacity) {
        size_t capacity = ntxn->notify_capacity == 0 ? 8 : ntxn->notify_capacity * 2;
        SessPendingNotify *grown = realloc(ntxn->notifies, capacity * sizeof *grown);
        if (grown == NULL) return oom();
        ntxn->notifies = grown;
        ntxn->notify_capacity = capacity;
    }
    char *channel_copy = strdup(channel);
    char *payload_copy = malloc(payload_size + 1);
    if (channel_copy == NULL || payload_copy == NULL) {
        free(channel_copy);
        free(payload_copy);
        return oom();
    }
    if (payload_size > 0) memcpy(payload_copy, payload, payload_size);
    payload_copy[payload_size] = '\0';
    ntxn->notifies[ntxn->notify_count++] =
        (SessPendingNotify){.channel = channel_copy, .payload = payload_copy,
                            .payload_size = payload_size};
    return NULL;
}

Error *sess_listen_action(birch_db *db, const char *channel, bool listen)
{
    if (channel != NULL) TRY(channel_check(channel));
    SessNotifyTxn *ntxn = NULL;
    TRY(notify_txn_get(db, &ntxn));
    if (ntxn->action_count == ntxn->action_capacity) {
        size_t capacity = ntxn->action_capacity == 0 ? 4 : ntxn->action_capacity * 2;
        SessListenAction *grown = realloc(ntxn->actions, capacity * sizeof *grown);
        if (grown == NULL) return oom();
        ntxn->actions = grown;
        ntxn->action_capacity = capacity;
    }
    char *copy = NULL;
    if (channel != NULL) {
        copy = strdup(channel);
        if (copy == NULL) return oom();
    }
    ntxn->actions[ntxn->action_count++] = (SessListenAction){.channel = copy, .listen = listen};
    return NULL;
}

void sess_notify_mark(const birch_db *db, size_t *notify_count_out, size_t *action_count_out)
{
    const SessNotifyTxn *ntxn = db->notify_txn;
    *notify_count_out = ntxn != NULL ? ntxn->notify_count : 0;
    *action_count_out = ntxn != NULL ? ntxn->action_count : 0;
}

void sess_notify_rollback_to(birch_db *db, size_t notify_count, size_t action_count)
{
    SessNotifyTxn *ntxn = db->notify_txn;
    if (ntxn == NULL) return;
    while (ntxn->notify_count > notify_count) {
        SessPendingNotify *pending = &ntxn->notifies[--ntxn->notify_count];
        free(pending->channel);
        free(pending->payload);
    }
    while (ntxn->action_count > action_count) {
        free(ntxn->actions[--ntxn->action_count].channel);
    }
}

static void notify_txn_free(birch_db *db)
{
    SessNotifyTxn *ntxn = db->notify_txn;
    if (ntxn == NULL) return;
    sess_notify_rollback_to(db, 0, 0);
    free(ntxn->notifies);
    free(ntxn->actions);
    free(ntxn);
    db->notify_txn = NULL;
}

/* listener_get_locked: db's listener entry, created (and listed) if missing. */
static SessListener *listener_get_locked(birch_db *db)
{
    if (db->listener != NULL) return db->listener;
    SessListener *listener = calloc(1, sizeof *listener);
    if (listener == NULL) return NULL;
    listener->db = db;
    listener->engine = db->engine;
    listener->next = g_listeners;
    g_listeners = listener;
    db->listener = listener;
    return listener;
}

static bool listener_has(const SessListener *listener, const char *channel)
{
    for (size_t idx = 0; idx < listener->channel_count; idx++) {
        if (strcmp(listener->channels[idx], channel) == 0) return true;
    }
    return false;
}

static void listener_drop_channel(SessListener *listener, const char *channel)
{
    for (size_t idx = 0; idx < listener->channel_count; idx++) {
        if (channel == NULL || strcmp(listener->channels[idx], channel) == 0) {
            free(listener->channels[idx]);
            listener->channels[idx] = listener->channels[--listener->channel_count];
            if (channel != NULL) return;
            idx--;
        }
    }
}

/* apply_actions_locked: LISTEN / UNLISTEN of a committed transaction, in order. A LISTEN
 * that cannot get memory is skipped (the transaction has committed). */
static void apply_actions_locked(birch_db *db, const SessNotifyTxn *ntxn)
{
    for (size_t idx = 0; idx < ntxn->action_count; idx++) {
        const SessListenAction *action = &ntxn->actions[idx];
        if (!action->listen) {
            if (db->listener != NULL) listener_drop_channel(db->listener, action->channel);
            continue;
        }
        SessListener *listener = listener_get_locked(db);
        if (listener == NULL || listener_has(listener, action->channel)) continue;
        if (listener->channel_count == listener->channel_capacity) {
            size_t capacity = listener->channel_capacity == 0 ? 4 : listener->channel_capacity * 2;
            char **grown = realloc(listener->channels, capacity * sizeof *grown);
            if (grown == NULL) continue;
            listener->channels = grown;
            listener->channel_capacity = capacity;
        }
        char *copy = strdup(action->channel);
        if (copy == NULL) continue;
        listener->channels[listener->channel_count++] = copy;
    }
}

/* listens_after_locked: will db listen on channel once its transaction's actions apply? */
static bool listens_after_locked(const birch_db *db, const SessNotifyTxn *ntxn,
                                 const SessListener *listener, const char *channel)
{
    bool listening = listener_has(listener, channel);
    if (listener->db != db) return listening;
    for (size_t idx = 0; idx < ntxn->action_count; idx++) {
        const SessListenAction *action = &ntxn->actions[idx];
        if (action->listen && strcmp(action->channel, channel) == 0) listening = true;
        if (!action->listen && (action->channel == NULL || strcmp(action->channel, channel) == 0)) {
            listening = false;
        }
    }
    return listening;
}

Error *sess_notify_precommit(birch_db *db)
{
    const SessNotifyTxn *ntxn = db->notify_txn;
    if (ntxn == NULL || ntxn->notify_count == 0) return NULL;
    Error *err = NULL;
    pthread_mutex_lock(&g_listen_mutex);
    for (SessListener *listener = g_listeners; listener != NULL && err == NULL;
         listener = listener->next) {
        if (listener->engine != db->engine) continue;
        size_t bytes = listener->queued_bytes;
        for (size_t idx = 0; idx < ntxn->notify_count; idx++) {
            const SessPendingNotify *pending = &ntxn->notifies[idx];
            if (!listens_after_locked(db, ntxn, listener, pending->channel)) continue;
            bytes += notify_msg_bytes(strlen(pending->channel), pending->payload_size);
        }
        if (bytes > SESS_NOTIFY_QUEUE_MAX) {
            err = err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                          "too many notifications in the NOTIFY queue");
        }
    }
    pthread_mutex_unlock(&g_listen_mutex);
    return err;
}

/* deliver_locked: append a copy of pending to listener's queue; false without memory. */
static bool deliver_locked(SessListener *listener, int32_t pid, const SessPendingNotify *pending)
{
    size_t channel_size = strlen(pending->channel);
    size_t bytes = notify_msg_bytes(channel_size, pending->payload_size);
    SessNotifyMsg *msg = malloc(bytes);
    if (msg == NULL) return false;
    msg->next = NULL;
    msg->pid = pid;
    msg->channel = (char *)(msg + 1);
    memcpy(msg->channel, pending->channel, channel_size + 1);
    msg->payload = msg->channel + channel_size + 1;
    memcpy(msg->payload, pending->payload, pending->payload_size + 1);
    msg->payload_size = pending->payload_size;
    if (listener->tail != NULL) listener->tail->next = msg;
    else listener->head = msg;
    listener->tail = msg;
    listener->queued_bytes += bytes;
    return true;
}

void sess_notify_txn_end(birch_db *db, bool committed)
{
    SessNotifyTxn *ntxn = db->notify_txn;
    if (ntxn == NULL) return;
    if (committed && (ntxn->action_count > 0 || ntxn->notify_count > 0)) {
        pthread_mutex_lock(&g_listen_mutex);
        apply_actions_locked(db, ntxn);
        if (ntxn->notify_count > 0) {
            for (SessListener *listener = g_listeners; listener != NULL;
                 listener = listener->next) {
                if (listener->engine != db->engine || listener->channel_count == 0) continue;
                bool sent = false;
                for (size_t idx = 0; idx < ntxn->notify_count; idx++) {
                    const SessPendingNotify *pending = &ntxn->notifies[idx];
                    if (!listener_has(listener, pending->channel)) continue;
                    sent |= deliver_locked(listener, db->backend_pid, pending);
                }
                if (sent && listener->hook != NULL) listener->hook(listener->hook_ctx);
            }
        }
        pthread_mutex_unlock(&g_listen_mutex);
    }
    notify_txn_free(db);
}

void sess_unlisten_all(birch_db *db)
{
    pthread_mutex_lock(&g_listen_mutex);
    if (db->listener != NULL) listener_drop_channel(db->listener, NULL);
    pthread_mutex_unlock(&g_listen_mutex);
}

SessNotifyMsg *sess_notify_pop(birch_db *db)
{
    if (db->listener == NULL) return NULL;   /* only this session's thread sets it */
    pthread_mutex_lock(&g_listen_mutex);
    SessListener *listener = db->listener;
    SessNotifyMsg *msg = listener->head;
    if (msg != NULL) {
        listener->head = msg->next;
        if (listener->head == NULL) listener->tail = NULL;
        listener->queued_bytes -= notify_msg_bytes(strlen(msg->channel), msg->payload_size);
        msg->next = NULL;
    }
    pthread_mutex_unlock(&g_listen_mutex);
    return msg;
}

Error *sess_notify_set_hook(birch_db *db, void (*hook)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&g_listen_mutex);
    SessListener *listener = listener_get_locked(db);
    if (listener != NULL) {
        listener->hook = hook;
        listener->hook_ctx = ctx;
    }
    pthread_mutex_unlock(&g_listen_mutex);
    return listener == NULL ? oom() : NULL;
}

void sess_notify_shutdown(birch_db *db)
{
    notify_txn_free(db);
    free(db->notify_last);
    db->notify_last = NULL;
    pthread_mutex_lock(&g_listen_mutex);
    SessListener *listener = db->listener;
    if (listener != NULL) {
        for (SessListener **link = &g_listeners; *link != NULL; link = &(*link)->next) {
            if (*link == listener) {
                *link = listener->next;
                break;
            }
        }
        db->listener = NULL;
    }
    pthread_mutex_unlock(&g_listen_mutex);
    if (listener == NULL) return;
    listener_drop_channel(listener, NULL);
    free(listener->channels);
    while (listener->head != NULL) {
        SessNotifyMsg *msg = listener->head;
        listener->head = msg->next;
        free(msg);
    }
    free(listener);
}
