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
#include "planner/planner.h"

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

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

static Error *txn_options(birch_db *db, const AstList *options, bool *have_isolation_out,
                          TxnIsolation *isolation_out)
{
    (void)db;
    *have_isolation_out = false;
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
            if (option_bool(option->value)) {
                return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "read-only transactions are not supported yet");
            }
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
    switch (txn_ast->kind) {
    case AST_TXN_BEGIN:
        TRY(txn_options(db, txn_ast->options, &have_isolation, &isolation));
        sess_set_tag(stmt, "BEGIN");
        if (db->block) {
            notice_severity(db, ERR_SEVERITY_WARNING,
                            err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                                    "there is already a transaction in progress"));
            return NULL;
        }
        db->block = true;
        db->block_isolation = isolation;
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
        TRY(txn_options(db, txn_ast->options, &have_isolation, &isolation));
        sess_set_tag(stmt, "SET");
        if (!have_isolation) return NULL;
        if (!db->block) {
            notice_severity(db, ERR_SEVERITY_WARNING,
                            err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                                    "SET TRANSACTION can only be used in transaction blocks"));
            return NULL;
        }
        if (db->txn != NULL && db->txn_started_statement &&
            db->txn_isolation != isolation) {
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
    case AST_TXN_SET_SESSION:
        TRY(txn_options(db, txn_ast->options, &have_isolation, &isolation));
        if (have_isolation) {
            static const char *const NAMES[] = {"read committed", "repeatable read",
                                                "serializable"};
            TRY(sess_set(db, "default_transaction_isolation", NAMES[isolation], false));
        }
        sess_set_tag(stmt, "SET");
        return NULL;
    }
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
    TRY(check_tables(stmt->db, vacuum));
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
static Error *run_copy(birch_stmt *stmt, const AstStmt *ast) { return copy_run(stmt, ast); }

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
    case AST_STMT_FETCH:
    case AST_STMT_CLOSE:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "cursors are not supported yet");
    default:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "this statement is not supported yet");
    }
}

