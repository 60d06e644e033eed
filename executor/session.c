/* executor/session.c: a session's transactions, statement compilation and execution (session.h).
 *
 * Transactions: outside BEGIN every statement runs in an implicit transaction that commits
 * when the statement finishes (and no other statement of the session still runs in it, and no
 * birch_exec holds it), or rolls back when it fails. BEGIN opens a block whose Txn starts
 * lazily at the first statement that needs one (so SET TRANSACTION can still choose the
 * isolation level). An error inside a block puts the session in the failed state: everything
 * but ROLLBACK / ROLLBACK TO / COMMIT (which then rolls back) fails with 25P02.
 *
 * Statements (portals): SELECT / INSERT / UPDATE / DELETE run an operator tree (exec_build)
 * pulled chunk by chunk as the caller steps; utility statements run at their first step and,
 * if they return rows (SHOW, EXPLAIN), put them in a chunk of TEXT vectors that is stepped
 * the same way. A plan whose catalog generation moved is re-planned before it runs.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/asserts.h"
#include "executor/kern_catalog.h"
#include "executor/session.h"
#include "parser/parse.h"
#include "parser/tok.h"
#include "planner/planner.h"

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *sess_failed_txn_error(void)
{
    return err_new(SQLSTATE_IN_FAILED_SQL_TRANSACTION,
                   "current transaction is aborted, commands ignored until end of transaction "
                   "block");
}

/* ------------------------------------------------------------------ notices ---- */

void sess_notice(birch_db *db, Error *notice)
{
    if (notice == NULL) return;
    if (notice->severity == ERR_SEVERITY_ERROR) notice->severity = ERR_SEVERITY_WARNING;
    if (db->notice_hook != NULL) {
        static const char *const SEVERITIES[] = {"ERROR", "FATAL", "PANIC", "WARNING", "NOTICE"};
        birch_error view = {
            .severity = SEVERITIES[notice->severity],
            .sqlstate = sqlstate_code(notice->state),
            .message = notice->message,
            .detail = notice->detail,
            .hint = notice->hint,
            .position = notice->position,
            .schema_name = notice->schema_name,
            .table_name = notice->table_name,
            .column_name = notice->column_name,
            .constraint_name = notice->constraint_name,
            .context = notice->context,   /* sessions: CONTEXT */
        };
        db->notice_hook(db->notice_ctx, &view);
    }
    err_free(notice);
}



/* ------------------------------------------------------------------ lifecycle ---- */

static void timer_fire(void *ctx) { sess_cancel(ctx, 2); }

Error *sess_init(birch_db *db, const char *user, const char *application_name)
{
    db->user = strdup(user);
    if (db->user == NULL) return oom();
    db->backend_pid = (int32_t)getpid();
    atomic_init(&db->interrupt, 0);
    pthread_mutex_init(&db->interrupt_mutex, NULL);
    db->timer.fire = timer_fire;
    db->timer.ctx = db;
    TRY(sess_guc_init(db));
    if (application_name != NULL) TRY(sess_set(db, "application_name", application_name, false));
    return NULL;
}

void sess_named_free_all(birch_db *db)
{
    while (db->named != NULL) {
        SessNamed *named = db->named;
        db->named = named->next;
        sess_prepared_release(named->prepared);
        free(named->name);
        free(named);
    }
}

void sess_savepoints_clear(birch_db *db, size_t keep_count)
{
    while (db->savepoint_count > keep_count) {
        free(db->savepoints[--db->savepoint_count].name);
    }
}

void sess_shutdown(birch_db *db)
{
    if (db->txn != NULL || db->block) {
        Error *err = sess_txn_end(db, false);
        if (err != NULL) err_free(err);
    }
    engine_timer_disarm(db->engine, &db->timer);
    sess_cursors_free_all(db);   /* sessions: cursors */
    sess_notify_shutdown(db);    /* sessions: LISTEN/NOTIFY */
    sess_named_free_all(db);
    sess_savepoints_clear(db, 0);
    free(db->savepoints);
    db->savepoints = NULL;
    free(db->seq_oids);
    free(db->seq_values);
    db->seq_oids = NULL;
    db->seq_values = NULL;
    sess_guc_free(db);
    free(db->user);
    db->user = NULL;
    pthread_mutex_destroy(&db->interrupt_mutex);
}

void sess_cancel(birch_db *db, int reason)
{
    atomic_store(&db->interrupt, reason);
    pthread_mutex_lock(&db->interrupt_mutex);
    if (db->lock_owner != NULL) lock_interrupt(db->lock_owner);
    pthread_mutex_unlock(&db->interrupt_mutex);
}

/* ------------------------------------------------------------------ transactions ---- */

static DtTimestamp now_timestamp(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t unix_usecs = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    return unix_usecs - DT_UNIX_EPOCH_OFFSET_USECS;
}

Error *sess_txn_ensure(birch_db *db)
{
    if (db->txn != NULL) return NULL;
    TxnIsolation isolation = db->block ? db->block_isolation : db->default_isolation;
    /* txn/ has no serializable snapshot isolation (SSI) yet. A read-write SERIALIZABLE
     * transaction is refused rather than silently given snapshot isolation (write skew would
     * be possible). A READ ONLY one runs on a snapshot as REPEATABLE READ does: with no
     * read-write serializable transactions possible, that snapshot is a safe one. */
    if (isolation == TXN_SERIALIZABLE && !sess_txn_read_only(db)) {
        Error *err = err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                             "SERIALIZABLE isolation is not supported for read-write transactions");
        err_set_hint(err, "Use REPEATABLE READ (snapshot isolation), or SERIALIZABLE with READ ONLY.");
        return err;
    }
    TxnIsolation begin_isolation = isolation == TXN_SERIALIZABLE ? TXN_REPEATABLE_READ
                                                                 : isolation;
    Txn *txn = NULL;
    TRY(txn_begin(engine_manager(db->engine), begin_isolation, &txn));
    db->txn = txn;
    db->txn_isolation = isolation;
    db->dt.now = now_timestamp();
    LockOwner *owner = txn_lock_owner(txn);
    lock_owner_set_timeout(owner, (int)db->lock_timeout_ms);
    pthread_mutex_lock(&db->interrupt_mutex);
    db->lock_owner = owner;
    pthread_mutex_unlock(&db->interrupt_mutex);
    return NULL;
}

static void stmt_close_exec(birch_stmt *stmt);
static void tree_drop(birch_stmt *stmt);
static bool none_running(const birch_db *db);   /* sessions */

static void active_remove(birch_stmt *stmt)
{
    if (!stmt->in_active) return;
    stmt->in_active = false;
    birch_stmt **link = &stmt->db->active;
    while (*link != NULL) {
        if (*link == stmt) {
            *link = stmt->next_active;
            break;
        }
        link = &(*link)->next_active;
    }
    stmt->next_active = NULL;
}

/* abort_active: close every running statement (their transaction is ending). */
void sess_abort_active(birch_db *db)
{
    while (db->active != NULL) {
        birch_stmt *stmt = db->active;
        active_remove(stmt);
        stmt_close_exec(stmt);
        stmt->state = STMT_ABORTED;
    }
    engine_timer_disarm(db->engine, &db->timer);
}

/* txn_end: end the transaction (and the block): commit or roll back. */
Error *sess_txn_end(birch_db *db, bool commit)
{
    sess_cursors_txn_end(db, commit);   /* sessions: cursors close (WITH HOLD: materialize) */
    sess_abort_active(db);
    Txn *txn = db->txn;
    Error *err = NULL;
    if (txn != NULL) {
        pthread_mutex_lock(&db->interrupt_mutex);
        db->lock_owner = NULL;
        pthread_mutex_unlock(&db->interrupt_mutex);
        db->txn = NULL;
        Catalog *catalog = engine_catalog(db->engine);
        uint64_t xid = txn_xid(txn);
        if (commit) {
            /* sessions: LISTEN/NOTIFY: a commit whose notifications would overflow a
             * listener's queue fails (54000) and rolls back */
            err = sess_notify_precommit(db);
            if (err != NULL) commit = false;
        }
        if (commit) {
            catalog_txn_end(catalog, xid, true);
            err = txn_commit(txn);
        } else {
            Error *undo_err = txn_rollback(txn);
            if (err == NULL) err = undo_err;
            else if (undo_err != NULL) err_free(undo_err);
            catalog_txn_end(catalog, xid, false);
        }
    }
    sess_notify_txn_end(db, commit && txn != NULL && err == NULL);   /* sessions */
    sess_guc_txn_end(db, commit, 0);
    db->txn_started_statement = false;
    db->snapshot_taken = false;   /* sessions: snapshot timing */
    db->block = false;
    db->failed = false;
    sess_savepoints_clear(db, 0);
    return err;
}

/* stmt_txn_failed: a statement failed: fail the block, or roll back the implicit txn. */
static void stmt_txn_failed(birch_db *db)
{
    if (db->block) {
        db->failed = true;
        return;
    }
    if (db->txn != NULL) {
        Error *err = sess_txn_end(db, false);
        if (err != NULL) err_free(err);
    }
}

void sess_statement_failed(birch_db *db) { stmt_txn_failed(db); }

void sess_exec_begin(birch_db *db) { db->exec_hold++; }

void sess_exec_end(birch_db *db, bool failed)
{
    Error *err = sess_exec_end_checked(db, failed);
    if (err != NULL) err_free(err);
}

/* commit error of a multi-statement string (lead): the same, reporting the commit's error */
Error *sess_exec_end_checked(birch_db *db, bool failed)
{
    VERIFY(db->exec_hold > 0);
    db->exec_hold--;
    if (db->exec_hold > 0 || db->block || db->txn == NULL || db->active != NULL) return NULL;
    return sess_txn_end(db, !failed);
}

/* txn_maybe_commit: an implicit transaction whose last statement finished commits. */
static Error *txn_maybe_commit(birch_db *db)
{
    if (db->block || db->exec_hold > 0 || db->active != NULL || db->txn == NULL) return NULL;
    return sess_txn_end(db, true);
}

/* ------------------------------------------------------------------ compile ---- */

void sess_prepared_release(SessPrepared *prepared)
{
    if (prepared == NULL) return;
    VERIFY(prepared->refcount > 0);
    if (--prepared->refcount > 0) return;
    sess_prepared_release(prepared->target);
    sess_prepared_release(prepared->owner);
    arena_destroy(prepared->arena);
}

Error *sess_plan_in_txn(birch_db *db, SessPrepared *prepared, Arena *arena, AstStmt *ast,
                          PlannedStmt **planned_out)
{
    PlanCtx ctx = {
        .arena = arena,
        .catalog = engine_catalog(db->engine),
        .txn = db->txn,
        .search_path = db->search_path,
        .search_path_count = db->search_path_count,
        .resolver = exec_resolver(),
        .sql = prepared->sql,
        .param_count = prepared->declared_count,
        .param_types = prepared->declared_types,
    };
    return plan_statement(&ctx, ast, planned_out);
}

/* with_txn: run planning in the session's transaction, or in a short one of its own. */
static Error *plan_with_txn(birch_db *db, SessPrepared *prepared, AstStmt *ast,
                            PlannedStmt **planned_out)
{
    if (db->failed) return sess_failed_txn_error();
    if (db->txn != NULL || db->block) {
        TRY(sess_txn_ensure(db));
        return sess_plan_in_txn(db, prepared, prepared->arena, ast, planned_out);
    }
    TRY(sess_txn_ensure(db));
    Error *err = sess_plan_in_txn(db, prepared, prepared->arena, ast, planned_out);
    Error *end_err = sess_txn_end(db, err == NULL);
    if (err == NULL) return end_err;
    if (end_err != NULL) err_free(end_err);
    return err;
}

static void describe_planned(SessPrepared *prepared)
{
    PlannedStmt *planned = prepared->planned;
    prepared->column_count = planned->column_count;
    prepared->columns = planned->columns;
    prepared->param_count = planned->param_count;
    prepared->param_types = planned->param_types;
    prepared->returns_rows = planned->kind == PLANNED_SELECT || planned->column_count > 0;
    prepared->generation = planned->catalog_generation;
}

static Error *describe_text_columns(SessPrepared *prepared, uint32_t count,
                                    const char *const *names)
{
    prepared->columns = arena_calloc(prepared->arena, count * sizeof *prepared->columns);
    if (prepared->columns == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
        prepared->columns[col_idx] = (PlanColumn){.name = names[col_idx],
                                                  .type = type_plain(TYPE_TEXT)};
    }
    prepared->column_count = count;
    prepared->returns_rows = true;
    return NULL;
}

SessNamed *sess_named_find(birch_db *db, const char *name)
{
    for (SessNamed *named = db->named; named != NULL; named = named->next) {
        if (strcmp(named->name, name) == 0) return named;
    }
    return NULL;
}

static bool is_txn_exit(const AstStmt *ast)
{
    if (ast->kind != AST_STMT_TRANSACTION) return false;
    AstTxnKind kind = ast->u.transaction->kind;
    return kind == AST_TXN_ROLLBACK || kind == AST_TXN_ROLLBACK_TO || kind == AST_TXN_COMMIT;
}

static Error *describe(birch_db *db, SessPrepared *prepared)
{
    AstStmt *ast = prepared->ast;
    switch (ast->kind) {
    case AST_STMT_SELECT:
    case AST_STMT_INSERT:
    case AST_STMT_UPDATE:
    case AST_STMT_DELETE:
        TRY(plan_with_txn(db, prepared, ast, &prepared->planned));
        describe_planned(prepared);
        return NULL;
    case AST_STMT_EXPLAIN: {
        static const char *const NAMES[] = {"QUERY PLAN"};
        return describe_text_columns(prepared, 1, NAMES);
    }
    case AST_STMT_SHOW: {
        if (strcasecmp(ast->u.set->name, "all") == 0) {
            static const char *const NAMES[] = {"name", "setting", "description"};
            return describe_text_columns(prepared, 3, NAMES);
        }
        const char *value = NULL, *name = NULL;
        TRY(sess_show(db, ast->u.set->name, &value, &name));
        const char *names[1] = {name};
        return describe_text_columns(prepared, 1, names);
    }
    case AST_STMT_FETCH:   /* sessions: FETCH returns the cursor's columns */
        return ast->u.fetch->move ? NULL : sess_cursor_describe(db, prepared);
    case AST_STMT_EXECUTE: {
        SessNamed *named = sess_named_find(db, ast->u.execute->name);
        if (named == NULL) {
            return err_new(SQLSTATE_INVALID_SQL_STATEMENT_NAME,
                           "prepared statement \"%s\" does not exist", ast->u.execute->name);
        }
        prepared->target = named->prepared;
        named->prepared->refcount++;
        prepared->column_count = named->prepared->column_count;
        prepared->columns = named->prepared->columns;
        prepared->returns_rows = named->prepared->returns_rows;
        return NULL;
    }
    default:
        return NULL;
    }
}

static Error *prepared_new(birch_db *db, const char *sql, size_t sql_size, Arena *arena,
                           SessPrepared **prepared_out)
{
    (void)db;
    SessPrepared *prepared = arena_calloc(arena, sizeof *prepared);
    char *copy = arena_strndup(arena, sql, sql_size);
    if (prepared == NULL || copy == NULL) return oom();
    prepared->refcount = 1;
    prepared->arena = arena;
    prepared->sql = copy;
    prepared->stmt_sql = copy;
    *prepared_out = prepared;
    return NULL;
}

static Error *declare_types(SessPrepared *prepared, uint32_t count, const Type *types)
{
    if (count == 0) return NULL;
    prepared->declared_types = arena_alloc(prepared->arena, count * sizeof(Type));
    if (prepared->declared_types == NULL) return oom();
    memcpy(prepared->declared_types, types, count * sizeof(Type));
    prepared->declared_count = count;
    return NULL;
}

static Error *compile_finish(birch_db *db, SessPrepared *prepared)
{
    AstStmt *ast = prepared->ast;
    char *text = arena_strndup(prepared->arena, prepared->sql + ast->text_start,
                               ast->text_end - ast->text_start);
    if (text == NULL) return oom();
    prepared->stmt_sql = text;
    if (db->failed && !is_txn_exit(ast)) return sess_failed_txn_error();
    return describe(db, prepared);
}

Error *sess_compile_ast(birch_db *db, const char *sql, AstStmt *ast, uint32_t declared_count,
                        const Type *declared_types, SessPrepared **prepared_out)
{
    *prepared_out = NULL;
    Arena *own = arena_create(8192);
    if (own == NULL) return oom();
    SessPrepared *prepared = NULL;
    Error *err = prepared_new(db, sql, strlen(sql), own, &prepared);
    if (err == NULL) err = declare_types(prepared, declared_count, declared_types);
    if (err == NULL) {
        prepared->ast = ast;
        err = compile_finish(db, prepared);
    }
    if (err != NULL) {
        if (prepared != NULL) sess_prepared_release(prepared);
        else arena_destroy(own);
        return err;
    }
    *prepared_out = prepared;
    return NULL;
}

/* first_statement_end: the offset of the first top-level ';' of sql, or its size; a tokenizer
 * error gives the size too (parse_sql then reports it). */
static size_t first_statement_end(Arena *arena, const char *sql, size_t sql_size)
{
    Tokenizer tok;
    tok_init(&tok, arena, sql);
    for (;;) {
        Token token;
        Error *err = tok_next(&tok, &token);
        if (err != NULL) {
            err_free(err);
            return sql_size;
        }
        if (token.kind == TOK_EOF) return sql_size;
        if (token.kind == TOK_PUNCT && token.text[0] == ';') return (size_t)token.position - 1;
    }
}

Error *sess_compile(birch_db *db, const char *sql, size_t sql_size, bool terminated,
                    uint32_t declared_count, const uint32_t *declared_oids,
                    SessPrepared **prepared_out, size_t *tail_offset_out)
{
    *prepared_out = NULL;
    *tail_offset_out = sql_size;
    Arena *arena = arena_create(8192);
    if (arena == NULL) return oom();
    SessPrepared *prepared = NULL;
    Error *err = NULL;
    /* the tokenizer wants a NUL-terminated text */
    const char *text = terminated ? sql : arena_strndup(arena, sql, sql_size);
    if (text == NULL) err = oom();
    size_t start = 0;
    while (err == NULL && start < sql_size) {
        /* parse one statement at a time (a script stepped through its tails is not parsed
         * again and again) and copy only up to its end; what precedes it (empty statements)
         * is blanked so positions stay those of sql */
        size_t end = start + first_statement_end(arena, text + start, sql_size - start);
        char *piece = arena_alloc(arena, end + 1);
        if (piece == NULL) {
            err = oom();
            break;
        }
        memset(piece, ' ', start);
        memcpy(piece + start, text + start, end - start);
        piece[end] = '\0';
        AstStmtList *list = NULL;
        err = parse_sql(arena, piece, &list);
        if (err != NULL) break;
        *tail_offset_out = end < sql_size ? end + 1 : sql_size;
        if (list->count > 0) {
            err = prepared_new(db, piece, end, arena, &prepared);
            if (err == NULL) prepared->ast = list->stmts[0];
            break;
        }
        start = end + 1;
    }
    if (err == NULL && prepared == NULL) {
        arena_destroy(arena);
        return NULL;
    }
    if (err == NULL && declared_count > 0) {
        Type *types = arena_alloc(arena, declared_count * sizeof *types);
        if (types == NULL) err = oom();
        for (uint32_t idx = 0; err == NULL && idx < declared_count; idx++) {
            types[idx] = type_plain(declared_oids[idx] == 0 ? TYPE_INVALID
                                                            : (TypeId)declared_oids[idx]);
            if (declared_oids[idx] != 0 && !type_is_known(declared_oids[idx])) {
                err = err_new(SQLSTATE_UNDEFINED_OBJECT, "type with OID %u does not exist",
                              declared_oids[idx]);
            }
        }
        if (err == NULL) err = declare_types(prepared, declared_count, types);
    }
    if (err == NULL) err = compile_finish(db, prepared);
    if (err != NULL) {
        if (prepared != NULL) sess_prepared_release(prepared);
        else arena_destroy(arena);
        return err;
    }
    *prepared_out = prepared;
    return NULL;
}

/* ------------------------------------------------------------------ statements ---- */

Error *sess_stmt_new(birch_db *db, SessPrepared *prepared, birch_stmt **stmt_out)
{
    birch_stmt *stmt = calloc(1, sizeof *stmt);
    if (stmt == NULL) return oom();
    stmt->db = db;
    stmt->prepared = prepared;
    prepared->refcount++;
    stmt->bind_arena = arena_create(1024);
    stmt->exec_arena = arena_create(16384);
    stmt->tree_arena = arena_create(16384);
    stmt->batch_arena = arena_create(16384);
    uint32_t param_count = prepared->param_count;
    stmt->param_count = param_count;
    if (param_count > 0) {
        stmt->params = calloc(param_count, sizeof *stmt->params);
        stmt->bound = calloc(param_count, sizeof *stmt->bound);
    }
    if (stmt->bind_arena == NULL || stmt->exec_arena == NULL || stmt->tree_arena == NULL ||
        stmt->batch_arena == NULL ||
        (param_count > 0 && (stmt->params == NULL || stmt->bound == NULL))) {
        sess_stmt_free(stmt);
        return oom();
    }
    stmt->next_in_db = db->stmts;
    db->stmts = stmt;
    *stmt_out = stmt;
    return NULL;
}

void sess_stmt_free(birch_stmt *stmt)
{
    if (stmt == NULL) return;
    birch_db *db = stmt->db;
    if (stmt->state == STMT_RUNNING) sess_stmt_reset(stmt);
    tree_drop(stmt);
    birch_stmt **link = &db->stmts;
    while (*link != NULL) {
        if (*link == stmt) {
            *link = stmt->next_in_db;
            break;
        }
        link = &(*link)->next_in_db;
    }
    sess_prepared_release(stmt->prepared);
    arena_destroy(stmt->bind_arena);
    arena_destroy(stmt->exec_arena);
    arena_destroy(stmt->tree_arena);
    arena_destroy(stmt->batch_arena);
    free(stmt->params);
    free(stmt->bound);
    free(stmt);
}

/* Kept trees: a planned statement's operator tree is built in tree_arena over stmt->ctx. When
 * exec_reusable says every op can be reset and no expression depends on one execution (a
 * subplan, a LIKE pattern compiled from a parameter), the tree is kept after the execution
 * (exec_reset releases cursors, keeps arenas and compiled expressions) and the next execution
 * of the same plan with the statement's own parameters only refreshes ctx (txn, params),
 * forgets folded parameter values (expr_params_changed) and opens it again. Anything else
 * (another plan after a re-plan, EXECUTE's arguments, an error) closes it and builds anew. */

/* tree_drop: close the kept tree, if any, and free the tree arena. */
static void tree_drop(birch_stmt *stmt)
{
    if (stmt->kept_root != NULL) {
        if (stmt->root == stmt->kept_root) stmt->root = NULL;
        exec_close(stmt->kept_root);
        stmt->kept_root = NULL;
        stmt->kept_planned = NULL;
        stmt->ctx = (ExecCtx){0};
    }
    if (stmt->tree_arena != NULL) arena_reset(stmt->tree_arena);
}

static void stmt_close_exec(birch_stmt *stmt)
{
    if (stmt->root != NULL && stmt->root == stmt->kept_root) {
        exec_reset(stmt->root);
    } else if (stmt->root != NULL) {
        exec_close(stmt->root);
        if (stmt->kept_root == NULL && stmt->ctx.arena == stmt->tree_arena) {
            arena_reset(stmt->tree_arena);
        }
    }
    stmt->root = NULL;
    stmt->chunk = NULL;
    stmt->have_row = false;
    stmt->util_rows = false;
    stmt->text_cols = NULL;
    stmt->text_ready = NULL;
}

void sess_stmt_reset(birch_stmt *stmt)
{
    birch_db *db = stmt->db;
    bool was_running = stmt->in_active;
    active_remove(stmt);
    stmt_close_exec(stmt);
    stmt->state = STMT_IDLE;
    stmt->row_count = 0;
    stmt->tag[0] = '\0';
    arena_reset(stmt->exec_arena);
    arena_reset(stmt->batch_arena);
    if (was_running) {
        if (none_running(db)) engine_timer_disarm(db->engine, &db->timer);   /* sessions */
        Error *err = txn_maybe_commit(db);
        if (err != NULL) err_free(err);
    }
}

Type sess_param_type(const birch_stmt *stmt, uint32_t param_idx)
{
    const SessPrepared *prepared = stmt->prepared;
    if (param_idx >= prepared->param_count) return type_plain(TYPE_TEXT);
    Type type = prepared->param_types[param_idx];
    if (type.id == TYPE_INVALID || type.id == TYPE_UNKNOWN) return type_plain(TYPE_TEXT);
    return type;
}

/* cast_one: value (one row) as a constant vector of type to in arena. */
Error *sess_cast_one(birch_db *db, const Vector *value, Type to, Arena *arena, Vector *out)
{
    vec_init(out, to, arena);
    if (vec_is_null(value, 0)) {
        TRY(vec_set_constant(out));
        return vec_set_null(out, 0);
    }
    KernFn fn = NULL;
    bool same = value->type.id == to.id &&
                (value->type.typmod == to.typmod || to.typmod == TYPE_TYPMOD_NONE);
    if (!same) TRY(kern_cast_lookup(value->type, to, &fn));
    if (fn == NULL) {
        /* same representation: copy (a relabel keeps the physical form of value) */
        vec_init_phys(out, to, value->phys, value->numeric_scale, arena);
        TRY(vec_reserve(out, 1));
        TRY(vec_copy_row(out, 0, value, 0));
    } else {
        KernCtx kctx = {.arena = arena, .dt = &db->dt};
        const Vector *args[1] = {value};
        TRY(fn(&kctx, args, NULL, 1, out));
    }
    out->is_constant = true;
    return NULL;
}

Error *sess_bind_param(birch_stmt *stmt, uint32_t param_idx, const Vector *value)
{
    VERIFY(param_idx < stmt->param_count);
    if (arena_size(stmt->bind_arena) > ((size_t)1 << 20)) {
        /* rebinding allocates: move the live bindings to a fresh arena now and then */
        Arena *fresh = arena_create(1024);
        if (fresh == NULL) return oom();
        for (uint32_t idx = 0; idx < stmt->param_count; idx++) {
            if (!stmt->bound[idx] || idx == param_idx) continue;
            Vector copy;
            Error *err = sess_cast_one(stmt->db, &stmt->params[idx], stmt->params[idx].type, fresh,
                                  &copy);
            if (err != NULL) {
                arena_destroy(fresh);
                return err;
            }
            stmt->params[idx] = copy;
        }
        arena_destroy(stmt->bind_arena);
        stmt->bind_arena = fresh;
    }
    Vector cast;
    TRY(sess_cast_one(stmt->db, value, sess_param_type(stmt, param_idx), stmt->bind_arena, &cast));
    stmt->params[param_idx] = cast;
    stmt->bound[param_idx] = true;
    return NULL;
}

/* ---- execution ------------------------------------------------------------------------- */

static Error *special_fn(void *ctx, const char *name, const char *const *args,
                         uint32_t arg_count, Arena *arena, const char **text_out);
static void seq_note(void *ctx, uint32_t sequence_oid, int64_t value);
static bool seq_current(void *ctx, uint32_t sequence_oid, int64_t *value_out);

/* catfuncs: the catalog view of the catalog kernels (executor/kern_catalog.h) */
static void catalog_env(void *ctx, KernCatEnv *env_out)
{
    birch_db *db = ctx;
    *env_out = (KernCatEnv){ .catalog = engine_catalog(db->engine), .txn = db->txn,
                             .search_path = db->search_path,
                             .search_path_count = db->search_path_count, .user = db->user,
                             .backend_pid = db->backend_pid,
                             .interrupt = &db->interrupt };   /* pg_sleep polls it */
}

ExecSessionHooks sess_hooks(birch_db *db)
{
    return (ExecSessionHooks){.ctx = db, .special = special_fn, .seq_note = seq_note,
                              .seq_current = seq_current, .catalog_env = catalog_env};
}

static const char *temp_dir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

Error *sess_lock_tables(birch_db *db, const PlannedStmt *planned)
{
    LockManager *locks = engine_locks(db->engine);
    LockOwner *owner = txn_lock_owner(db->txn);
    for (uint32_t idx = 0; idx < planned->table_count; idx++) {
        LockMode mode = planned->table_written[idx] ? LOCK_ROW_EXCLUSIVE
                        : planned->for_update       ? LOCK_ROW_SHARE
                                                    : LOCK_ACCESS_SHARE;
        /* a mode this transaction already holds is granted at once: skip the lock manager
         * (a prepared statement repeated inside one transaction) */
        if (lock_table_held(owner, planned->table_oids[idx], mode)) continue;
        TRY(lock_table(locks, owner, planned->table_oids[idx], mode, LOCK_WAIT_BLOCK, NULL));
    }
    return NULL;
}

/* replan: plan prepared again when the catalog changed since it was planned. */
static Error *replan_if_stale(birch_db *db, SessPrepared *prepared)
{
    if (prepared->planned == NULL) return NULL;
    if (prepared->generation == catalog_generation(engine_catalog(db->engine))) return NULL;
    PlannedStmt *planned = NULL;
    TRY(sess_plan_in_txn(db, prepared, prepared->arena, prepared->ast, &planned));
    if (planned->param_count != prepared->param_count ||
        planned->column_count != prepared->column_count) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cached plan must not change result type");
    }
    for (uint32_t idx = 0; idx < planned->column_count; idx++) {
        if (planned->columns[idx].type.id != prepared->columns[idx].type.id) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "cached plan must not change result type");
        }
    }
    for (uint32_t idx = 0; idx < planned->param_count; idx++) {
        if (!type_equal(planned->param_types[idx], prepared->param_types[idx])) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "cached plan must not change parameter types");
        }
    }
    prepared->planned = planned;
    describe_planned(prepared);
    return NULL;
}

Error *sess_exec_ctx_init(birch_stmt *stmt, const PlannedStmt *planned, const Vector *params,
                            bool analyze)
{
    birch_db *db = stmt->db;
    stmt->ctx = (ExecCtx){
        .arena = stmt->exec_arena,
        .txn = db->txn,
        .catalog = engine_catalog(db->engine),
        .planned = planned,
        .dt = &db->dt,
        .param_count = planned->param_count,
        .params = params,
        .interrupt = &db->interrupt,
        .work_mem = db->work_mem,
        .temp_dir = temp_dir(),
        .hooks = sess_hooks(db),
        .analyze = analyze,
    };
    if (planned->cte_count > 0) {
        stmt->ctx.ctes = arena_calloc(stmt->exec_arena, planned->cte_count * sizeof(ExecCte *));
        if (stmt->ctx.ctes == NULL) return oom();
    }
    return NULL;
}

/* stmt_params: ctx params: the bound vectors, NULL constants for unbound ones. */
Error *sess_stmt_params(birch_stmt *stmt, const PlannedStmt *planned, Vector **params_out)
{
    *params_out = NULL;
    if (planned->param_count == 0) return NULL;
    /* every parameter bound (the common case, insert session 8): the bound vectors themselves,
     * no per-execution copy; binds are refused while the statement runs, and a copy would
     * share their data anyway */
    bool all_bound = planned->param_count <= stmt->param_count;
    for (uint32_t idx = 0; all_bound && idx < planned->param_count; idx++) {
        all_bound = stmt->bound[idx];
    }
    if (all_bound) {
        *params_out = stmt->params;
        return NULL;
    }
    Vector *params = arena_calloc(stmt->exec_arena, planned->param_count * sizeof *params);
    if (params == NULL) return oom();
    for (uint32_t idx = 0; idx < planned->param_count; idx++) {
        if (idx < stmt->param_count && stmt->bound[idx]) {
            params[idx] = stmt->params[idx];
            continue;
        }
        Type type = planned->param_types[idx];
        if (type.id == TYPE_INVALID || type.id == TYPE_UNKNOWN) type = type_plain(TYPE_TEXT);
        vec_init(&params[idx], type, stmt->exec_arena);
        TRY(vec_set_constant(&params[idx]));
        TRY(vec_set_null(&params[idx], 0));
    }
    *params_out = params;
    return NULL;
}

/* run_kept: the kept tree again, for this execution's transaction and parameters. */
static Error *run_kept(birch_stmt *stmt, const PlannedStmt *planned, const Vector *params)
{
    birch_db *db = stmt->db;
    ExecCtx *ctx = &stmt->ctx;
    ctx->txn = db->txn;
    ctx->catalog = engine_catalog(db->engine);
    ctx->planned = planned;
    ctx->dt = &db->dt;
    ctx->param_count = planned->param_count;
    ctx->params = params;
    ctx->outer = NULL;
    ctx->work_table = NULL;
    ctx->interrupt = &db->interrupt;
    ctx->work_mem = db->work_mem;
    ctx->changes = 0;   /* temp_dir stays: getenv per execution shows in profiles */
    ctx->hooks = sess_hooks(db);
    ctx->run_arena = stmt->exec_arena;
    ctx->ctes = NULL;
    if (planned->cte_count > 0) {
        ctx->ctes = arena_calloc(stmt->exec_arena, planned->cte_count * sizeof(ExecCte *));
        if (ctx->ctes == NULL) return oom();
    }
    expr_params_changed(ctx);
    stmt->root = stmt->kept_root;
    return exec_open(stmt->root);
}

static Error *start_planned(birch_stmt *stmt, SessPrepared *prepared, const Vector *params)
{
    birch_db *db = stmt->db;
    /* lock first, then check the plan: a DROP that committed while we waited for the lock
     * moved the generation, and the new plan's tables are locked in turn */
    TRY(sess_lock_tables(db, prepared->planned));
    const PlannedStmt *before = prepared->planned;
    TRY(replan_if_stale(db, prepared));
    const PlannedStmt *planned = prepared->planned;
    if (planned != before) TRY(sess_lock_tables(db, planned));
    TRY(sess_planned_read_only_check(db, planned, prepared->stmt_sql));   /* sessions */
    bool own = params == NULL;
    if (own) {
        Vector *own_params = NULL;
        TRY(sess_stmt_params(stmt, planned, &own_params));
        params = own_params;
    }
    if (stmt->kept_root != NULL && stmt->kept_planned == planned && own &&
        stmt->ctx.arena == stmt->tree_arena) {
        return run_kept(stmt, planned, params);
    }
    tree_drop(stmt);
    TRY(sess_exec_ctx_init(stmt, planned, params, false));
    stmt->ctx.arena = stmt->tree_arena;
    stmt->ctx.run_arena = stmt->exec_arena;
    TRY(exec_build(&stmt->ctx, planned->root, &stmt->root));
    if (own && exec_reusable(stmt->root)) {
        stmt->kept_root = stmt->root;
        stmt->kept_planned = planned;
    }
    return exec_open(stmt->root);
}

/* util_set_rows: rows of text (row-major, NULL for SQL NULL) as the statement's result. */
Error *sess_util_rows(birch_stmt *stmt, uint32_t column_count, const char *const *values,
                            uint32_t row_count)
{
    if (row_count > VEC_VALUE_COUNT_MAX) row_count = VEC_VALUE_COUNT_MAX;
    Type types[4];
    VERIFY(column_count <= 4);
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        types[col_idx] = type_plain(TYPE_TEXT);
    }
    DataChunk *chunk = &stmt->util_chunk;
    TRY(chunk_init(chunk, types, column_count, stmt->exec_arena));
    TRY(chunk_reserve(chunk, row_count > 0 ? row_count : 1));
    for (uint32_t row_idx = 0; row_idx < row_count; row_idx++) {
        for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
            const char *value = values[row_idx * column_count + col_idx];
            Vector *column = &chunk->columns[col_idx];
            if (value == NULL) {
                TRY(vec_set_null(column, row_idx));
            } else {
                TRY(vec_str_set(column, row_idx, value, (uint32_t)strlen(value)));
            }
        }
    }
    chunk->row_count = row_count;
    stmt->util_rows = true;
    stmt->chunk = NULL;
    return NULL;
}

void sess_set_tag(birch_stmt *stmt, const char *tag)
{
    snprintf(stmt->tag, sizeof stmt->tag, "%s", tag);
}

static bool needs_txn(const AstStmt *ast)
{
    switch (ast->kind) {
    case AST_STMT_TRANSACTION:
    case AST_STMT_SET:
    case AST_STMT_SHOW:
    case AST_STMT_RESET:
    case AST_STMT_VACUUM:
    case AST_STMT_ANALYZE:
    case AST_STMT_DISCARD:
    case AST_STMT_PREPARE:
    case AST_STMT_DEALLOCATE:
        return false;
    default:
        return true;
    }
}

/* sessions: no statement runs but open cursors (which stay in db->active between FETCHes):
 * the statement timer and the interrupt flag belong to the statements, not to the cursors */
static bool none_running(const birch_db *db)
{
    for (const birch_stmt *stmt = db->active; stmt != NULL; stmt = stmt->next_active) {
        if (!stmt->is_cursor) return false;
    }
    return true;
}

/* sessions: snapshot timing. uses_snapshot: the statement reads through the transaction's
 * snapshot (PostgreSQL's PlannedStmtRequiresSnapshot: not LOCK TABLE, FETCH, CLOSE, LISTEN,
 * UNLISTEN, NOTIFY, nor the utilities needs_txn excludes). */
static bool uses_snapshot(const AstStmt *ast)
{
    switch (ast->kind) {
    case AST_STMT_LOCK:
    case AST_STMT_FETCH:
    case AST_STMT_CLOSE:
    case AST_STMT_LISTEN:
    case AST_STMT_UNLISTEN:
    case AST_STMT_NOTIFY:
        return false;
    default:
        return true;
    }
}

/* snapshot_first: PostgreSQL takes a REPEATABLE READ transaction's snapshot at its first
 * statement that needs one, not at BEGIN: a Txn that began earlier (planning at Parse,
 * SAVEPOINT, LOCK TABLE) takes its snapshot again here, once. A Txn begun by this statement
 * (had_txn false) has a fresh one already. A transaction that wrote before (it cannot through
 * the statements above, but ANALYZE may) keeps its snapshot. */
static Error *snapshot_first(birch_db *db, const AstStmt *ast, bool had_txn)
{
    if (db->snapshot_taken || !uses_snapshot(ast)) return NULL;
    db->snapshot_taken = true;
    if (!had_txn || txn_isolation(db->txn) != TXN_REPEATABLE_READ) return NULL;
    Error *err = txn_snapshot_retake(db->txn);
    if (err != NULL && err->state == SQLSTATE_ACTIVE_SQL_TRANSACTION) {
        err_free(err);
        return NULL;
    }
    return err;
}

/* command ids: stmt_barrier_take: a DECLAREd cursor's portal and a statement with
 * data-modifying CTEs read as of their start: PostgreSQL gives the main query and every CTE
 * of a statement one snapshot and command id, and a cursor the command id of its DECLARE.
 * Other statements read with no barrier (every own write visible): they collect the keys
 * they change before changing them (executor/README.md). */
static void stmt_barrier_take(birch_stmt *stmt)
{
    const SessPrepared *prepared = stmt->prepared;
    const PlannedStmt *planned = prepared->planned;
    if (planned == NULL && prepared->ast->kind == AST_STMT_EXECUTE && prepared->target != NULL) {
        planned = prepared->target->planned;
    }
    stmt->barrier_on = stmt->is_cursor || (planned != NULL && planned->cte_modifying);
    Txn *txn = stmt->db->txn;
    if (stmt->barrier_on) stmt->barrier = txn_barrier_now(txn);
    txn_read_barrier_set(txn, stmt->barrier_on ? &stmt->barrier : NULL);
}

/* StmtBarrier: the barrier installed in the session's transaction before a step, put back
 * after it (a FETCH steps its cursor's portal inside its own step). */
typedef struct StmtBarrier {
    Txn       *txn;
    bool       on;
    TxnBarrier barrier;
} StmtBarrier;

static StmtBarrier stmt_barrier_enter(birch_stmt *stmt)
{
    StmtBarrier saved = {.txn = stmt->db->txn};
    if (saved.txn == NULL) return saved;
    saved.on = txn_read_barrier_get(saved.txn, &saved.barrier);
    if (stmt->state == STMT_RUNNING) {
        txn_read_barrier_set(saved.txn, stmt->barrier_on ? &stmt->barrier : NULL);
    }
    return saved;
}

static void stmt_barrier_leave(birch_stmt *stmt, const StmtBarrier *saved)
{
    Txn *txn = stmt->db->txn;
    /* the transaction may have ended in the step (then there is nothing to restore), or
     * begun in it (then there was no barrier before) */
    if (txn == NULL || (saved->txn != NULL && saved->txn != txn)) return;
    txn_read_barrier_set(txn, saved->on ? &saved->barrier : NULL);
}

/* stmt_start: begin executing stmt (first step). */
static Error *stmt_start(birch_stmt *stmt)
{
    birch_db *db = stmt->db;
    SessPrepared *prepared = stmt->prepared;
    const AstStmt *ast = prepared->ast;
    if (db->failed && !is_txn_exit(ast)) return sess_failed_txn_error();
    if (none_running(db) && !stmt->is_cursor) atomic_store(&db->interrupt, 0);   /* sessions */
    if (!needs_txn(ast)) return sess_run_utility(stmt, ast);
    bool had_txn = db->txn != NULL;   /* sessions: snapshot timing */
    TRY(sess_txn_ensure(db));
    if (db->active == NULL) {
        /* a fresh snapshot per statement (READ COMMITTED); not while another statement of the
         * session still reads through the current one */
        /* it also clears a cancel pending on the transaction's lock owner (db->lock_owner,
         * which only this thread changes): no interrupt_mutex round trip per statement */
        TRY(txn_statement_begin(db->txn));
    }
    TRY(snapshot_first(db, ast, had_txn));   /* sessions: snapshot timing */
    stmt_barrier_take(stmt);                  /* command ids */
    db->txn_started_statement = true;
    if (db->statement_timeout_ms > 0 && none_running(db) && !stmt->is_cursor) {   /* sessions */
        engine_timer_arm(db->engine, &db->timer, db->statement_timeout_ms);
    }
    stmt->state = STMT_RUNNING;
    stmt->in_active = true;
    stmt->next_active = db->active;
    db->active = stmt;
    if (prepared->planned != NULL) return start_planned(stmt, prepared, NULL);
    if (ast->kind == AST_STMT_EXECUTE) {
        SessPrepared *target = prepared->target;
        if (target->planned == NULL) return sess_run_utility(stmt, target->ast);
        Vector *params = NULL;
        TRY(sess_execute_args(stmt, ast->u.execute, target, &params));
        if (params == NULL) {
            params = arena_alloc(stmt->exec_arena, sizeof *params);
            if (params == NULL) return oom();
        }
        return start_planned(stmt, target, params);
    }
    return sess_run_utility(stmt, ast);
}

/* tag_with_count: the tag prefix followed by count in decimal (no snprintf per execution). */
static void tag_with_count(birch_stmt *stmt, const char *prefix, uint64_t count)
{
    char digits[24];
    size_t digit_count = 0;
    do {
        digits[digit_count++] = (char)('0' + count % 10);
        count /= 10;
    } while (count > 0 && digit_count < sizeof digits);
    size_t size = strlen(prefix);
    VERIFY(size + digit_count < sizeof stmt->tag);
    memcpy(stmt->tag, prefix, size);
    while (digit_count > 0) stmt->tag[size++] = digits[--digit_count];
    stmt->tag[size] = '\0';
}

static void finish_tag(birch_stmt *stmt)
{
    if (stmt->tag[0] != '\0') return;
    const PlannedStmt *planned = stmt->ctx.planned;
    if (planned == NULL) return;
    uint64_t count = planned->kind == PLANNED_SELECT ? stmt->row_count : stmt->ctx.changes;
    switch (planned->kind) {
    case PLANNED_SELECT: tag_with_count(stmt, "SELECT ", count); break;
    case PLANNED_INSERT: tag_with_count(stmt, "INSERT 0 ", count); break;
    case PLANNED_UPDATE: tag_with_count(stmt, "UPDATE ", count); break;
    case PLANNED_DELETE: tag_with_count(stmt, "DELETE ", count); break;
    }
}

/* next_row: advance to the next live row; *have_row_out false at the end. */
static Error *next_row(birch_stmt *stmt, bool *have_row_out)
{
    for (;;) {
        DataChunk *chunk = stmt->chunk;
        if (chunk != NULL && stmt->live_idx < chunk_live_count(chunk)) {
            stmt->row_idx = chunk->sel != NULL ? chunk->sel[stmt->live_idx] : stmt->live_idx;
            stmt->live_idx++;
            stmt->have_row = true;
            stmt->row_count++;
            *have_row_out = true;
            return NULL;
        }
        stmt->have_row = false;
        stmt->live_idx = 0;
        if (stmt->util_rows) {
            stmt->util_rows = false;
            chunk = &stmt->util_chunk;
        } else if (stmt->root != NULL) {
            chunk = NULL;
            TRY(exec_next(stmt->root, &chunk));
        } else {
            chunk = NULL;
        }
        stmt->chunk = chunk;
        if (chunk == NULL) {
            *have_row_out = false;
            return NULL;
        }
        arena_reset(stmt->batch_arena);
        stmt->text_cols = NULL;
        stmt->text_ready = NULL;
        if (!stmt->prepared->returns_rows) stmt->live_idx = chunk_live_count(chunk);
    }
}

/* stmt_failed: the statement failed: close it and fail its transaction. */
static void stmt_failed(birch_stmt *stmt)
{
    birch_db *db = stmt->db;
    active_remove(stmt);
    stmt_close_exec(stmt);
    tree_drop(stmt);   /* stmt: an error may leave op state behind: build afresh next time */
    stmt->state = STMT_DONE;
    stmt->tag[0] = '\0';
    if (none_running(db)) engine_timer_disarm(db->engine, &db->timer);   /* sessions */
    stmt_txn_failed(db);
}

static Error *stmt_done(birch_stmt *stmt)
{
    birch_db *db = stmt->db;
    finish_tag(stmt);
    db->changes = stmt->ctx.changes;
    bool was_running = stmt->in_active;
    active_remove(stmt);
    stmt_close_exec(stmt);
    stmt->state = STMT_DONE;
    if (none_running(db)) engine_timer_disarm(db->engine, &db->timer);   /* sessions */
    return was_running ? txn_maybe_commit(db) : NULL;
}

static int step(birch_stmt *stmt, Error **err_out);

int sess_step(birch_stmt *stmt, Error **err_out)
{
    StmtBarrier saved = stmt_barrier_enter(stmt);   /* command ids */
    int rc = step(stmt, err_out);
    stmt_barrier_leave(stmt, &saved);
    return rc;
}

static int step(birch_stmt *stmt, Error **err_out)
{
    *err_out = NULL;
    if (stmt->state == STMT_DONE) return BIRCH_DONE;
    if (stmt->state == STMT_ABORTED) {
        *err_out = err_new(SQLSTATE_INVALID_CURSOR_STATE,
                           "portal was closed because its transaction ended");
        return BIRCH_ERROR;
    }
    Error *err = NULL;
    if (stmt->state == STMT_IDLE) {
        arena_reset(stmt->exec_arena);
        arena_reset(stmt->batch_arena);
        stmt->row_count = 0;
        stmt->tag[0] = '\0';
        if (stmt->kept_root == NULL) stmt->ctx = (ExecCtx){0};
        else stmt->ctx.changes = 0;   /* the kept tree's ops point at stmt->ctx */
        stmt->chunk = NULL;
        stmt->live_idx = 0;
        stmt->db->changes = 0;
        err = stmt_start(stmt);
        /* a utility statement without a transaction is not in db->active */
        if (err == NULL && stmt->state == STMT_IDLE) stmt->state = STMT_RUNNING;
    }
    bool have_row = false;
    if (err == NULL) {
        err = next_row(stmt, &have_row);
        /* sessions: errors raised while rows are produced are the executor's, which carry no
         * position in PostgreSQL (only parse analysis and planning errors do) */
        if (err != NULL && !err->is_static) err->position = 0;
    }
    if (err == NULL && have_row) return BIRCH_ROW;
    if (err == NULL) err = stmt_done(stmt);
    if (err == NULL) return BIRCH_DONE;
    if (err->state == SQLSTATE_QUERY_CANCELED && atomic_load(&stmt->db->interrupt) == 2 &&
        strcmp(err->message, "canceling statement due to statement timeout") != 0) {
        /* a lock wait cut short by the timer says only that it was interrupted */
        Error *timeout = err_new(SQLSTATE_QUERY_CANCELED,
                                 "canceling statement due to statement timeout");
        err_free(err);
        err = timeout;
    }
    stmt_failed(stmt);
    *err_out = err;
    return BIRCH_ERROR;
}

/* sessions: sess_stmt_open: a cursor's portal starts at DECLARE (its snapshot, its locks)
 * without fetching a row; its rows are then stepped by FETCH. */
Error *sess_stmt_open(birch_stmt *stmt)
{
    VERIFY(stmt->state == STMT_IDLE);
    arena_reset(stmt->exec_arena);
    arena_reset(stmt->batch_arena);
    stmt->row_count = 0;
    stmt->tag[0] = '\0';
    if (stmt->kept_root == NULL) stmt->ctx = (ExecCtx){0};   /* as sess_step does */
    stmt->chunk = NULL;
    stmt->live_idx = 0;
    StmtBarrier saved = stmt_barrier_enter(stmt);   /* command ids */
    Error *err = stmt_start(stmt);
    stmt_barrier_leave(stmt, &saved);
    if (err == NULL && stmt->state == STMT_IDLE) stmt->state = STMT_RUNNING;
    if (err != NULL) stmt_failed(stmt);
    return err;
}

/* ------------------------------------------------------------------ text output ---- */

static Error *float_text_low_digits(birch_stmt *stmt, const Vector *column, Vector *out)
{
    birch_db *db = stmt->db;
    DataChunk *chunk = stmt->chunk;
    bool is_f4 = column->type.id == TYPE_FLOAT4;
    int digits = (is_f4 ? FLT_DIG : DBL_DIG) + db->extra_float_digits;
    if (digits < 1) digits = 1;
    vec_init(out, type_plain(TYPE_TEXT), stmt->batch_arena);
    TRY(vec_reserve(out, chunk->row_count > 0 ? chunk->row_count : 1));
    uint32_t live_count = chunk_live_count(chunk);
    for (uint32_t live = 0; live < live_count; live++) {
        uint32_t row = chunk->sel != NULL ? chunk->sel[live] : live;
        if (vec_is_null(column, row)) {
            TRY(vec_set_null(out, row));
            continue;
        }
        uint32_t slot = column->is_constant ? 0 : row;
        double value = is_f4 ? (double)vec_f32(column)[slot] : vec_f64(column)[slot];
        char text[64];
        if (isnan(value)) snprintf(text, sizeof text, "NaN");
        else if (isinf(value)) snprintf(text, sizeof text, value > 0 ? "Infinity" : "-Infinity");
        else snprintf(text, sizeof text, "%.*g", digits, value);
        TRY(vec_str_set(out, row, text, (uint32_t)strlen(text)));
    }
    return NULL;
}

const Vector *sess_column_text(birch_stmt *stmt, uint32_t col_idx, Error **err_out)
{
    *err_out = NULL;
    DataChunk *chunk = stmt->chunk;
    VERIFY(chunk != NULL && col_idx < chunk->column_count);
    if (stmt->text_cols == NULL) {
        stmt->text_cols = arena_calloc(stmt->batch_arena,
                                       chunk->column_count * sizeof *stmt->text_cols);
        stmt->text_ready = arena_calloc(stmt->batch_arena, chunk->column_count);
        if (stmt->text_cols == NULL || stmt->text_ready == NULL) {
            stmt->text_cols = NULL;
            stmt->text_ready = NULL;
            *err_out = oom();
            return NULL;
        }
    }
    Vector *out = &stmt->text_cols[col_idx];
    if (stmt->text_ready[col_idx]) return out;
    const Vector *column = &chunk->columns[col_idx];
    Error *err = NULL;
    if (type_is_string(column->type.id)) {
        *out = *column;
    } else if ((column->type.id == TYPE_FLOAT4 || column->type.id == TYPE_FLOAT8) &&
               stmt->db->extra_float_digits < 1) {
        err = float_text_low_digits(stmt, column, out);
    } else {
        KernFn fn = NULL;
        if (column->type.id == TYPE_BOOL) fn = kern_out_bool;
        else err = kern_cast_lookup(column->type, type_plain(TYPE_TEXT), &fn);
        if (err == NULL && fn == NULL) {
            err = err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "no output function for type %s",
                          type_name(column->type.id));
        }
        if (err == NULL) {
            vec_init(out, type_plain(TYPE_TEXT), stmt->batch_arena);
            ExecSessionHooks hooks = sess_hooks(stmt->db);   /* catfuncs: reg* output */
            KernCtx kctx = {.arena = stmt->batch_arena, .dt = &stmt->db->dt, .session = &hooks};
            const Vector *args[1] = {column};
            uint32_t count = chunk->sel != NULL ? chunk->sel_count : chunk->row_count;
            err = fn(&kctx, args, chunk->sel, count, out);
        }
    }
    if (err != NULL) {
        *err_out = err;
        return NULL;
    }
    stmt->text_ready[col_idx] = true;
    return out;
}

/* ------------------------------------------------------------------ hooks ---- */

static Error *special_fn(void *ctx, const char *name, const char *const *args,
                         uint32_t arg_count, Arena *arena, const char **text_out)
{
    birch_db *db = ctx;
    char buf[128];
    *text_out = NULL;
    if (strcmp(name, "version") == 0) {
        *text_out = "PostgreSQL 15.0 (birch 0.1.0) on x86_64-pc-linux-gnu";
        return NULL;
    }
    if (strcmp(name, "current_database") == 0 || strcmp(name, "current_catalog") == 0) {
        *text_out = arena_strdup(arena, engine_database_name(db->engine));
        return *text_out == NULL ? oom() : NULL;
    }
    if (strcmp(name, "current_user") == 0 || strcmp(name, "session_user") == 0 ||
        strcmp(name, "user") == 0 || strcmp(name, "current_role") == 0) {
        *text_out = arena_strdup(arena, db->user);
        return *text_out == NULL ? oom() : NULL;
    }
    if (strcmp(name, "current_schema") == 0) {
        for (size_t idx = 0; idx < db->search_path_count; idx++) {
            uint32_t oid = 0;
            if (db->txn != NULL) {
                TRY(catalog_lookup_namespace(engine_catalog(db->engine), db->txn,
                                             db->search_path[idx], &oid));
            } else if (strcmp(db->search_path[idx], "public") == 0) {
                oid = CAT_OID_PUBLIC;
            }
            if (oid != 0) {
                *text_out = arena_strdup(arena, db->search_path[idx]);
                return *text_out == NULL ? oom() : NULL;
            }
        }
        return NULL;
    }
    if (strcmp(name, "pg_backend_pid") == 0) {
        snprintf(buf, sizeof buf, "%d", (int)db->backend_pid);
        *text_out = arena_strdup(arena, buf);
        return *text_out == NULL ? oom() : NULL;
    }
    if (strcmp(name, "current_setting") == 0 && arg_count >= 1) {
        if (args[0] == NULL) return NULL;
        const char *value = NULL;
        Error *err = sess_show(db, args[0], &value, NULL);
        if (err != NULL) {
            bool missing_ok = arg_count >= 2 && args[1] != NULL &&
                              (args[1][0] == 't' || args[1][0] == 'T');
            if (missing_ok && err->state == SQLSTATE_UNDEFINED_OBJECT) {
                err_free(err);
                return NULL;
            }
            return err;
        }
        *text_out = arena_strdup(arena, value);
        return *text_out == NULL ? oom() : NULL;
    }
    if (strcmp(name, "pg_notify") == 0 && arg_count == 2) {   /* sessions: LISTEN/NOTIFY */
        TRY(sess_notify_queue(db, args[0], args[1], args[1] != NULL ? strlen(args[1]) : 0));
        *text_out = "";   /* void, which prints as an empty string */
        return NULL;
    }
    if (strcmp(name, "set_config") == 0 && arg_count >= 3) {
        if (args[0] == NULL) {
            return err_new(SQLSTATE_NULL_VALUE_NOT_ALLOWED, "SET requires parameter name");
        }
        bool local = args[2] != NULL && (args[2][0] == 't' || args[2][0] == 'T');
        TRY(sess_set(db, args[0], args[1] != NULL ? args[1] : NULL, local));
        const char *value = NULL;
        TRY(sess_show(db, args[0], &value, NULL));
        *text_out = arena_strdup(arena, value);
        return *text_out == NULL ? oom() : NULL;
    }
    return err_new(SQLSTATE_UNDEFINED_FUNCTION, "function %s() does not exist", name);
}

static void seq_note(void *ctx, uint32_t sequence_oid, int64_t value)
{
    birch_db *db = ctx;
    for (size_t idx = 0; idx < db->seq_count; idx++) {
        if (db->seq_oids[idx] == sequence_oid) {
            db->seq_values[idx] = value;
            return;
        }
    }
    if (db->seq_count == db->seq_capacity) {
        size_t capacity = db->seq_capacity == 0 ? 8 : db->seq_capacity * 2;
        uint32_t *oids = realloc(db->seq_oids, capacity * sizeof *oids);
        if (oids == NULL) return;
        db->seq_oids = oids;
        int64_t *values = realloc(db->seq_values, capacity * sizeof *values);
        if (values == NULL) return;
        db->seq_values = values;
        db->seq_capacity = capacity;
    }
    db->seq_oids[db->seq_count] = sequence_oid;
    db->seq_values[db->seq_count] = value;
    db->seq_count++;
}

static bool seq_current(void *ctx, uint32_t sequence_oid, int64_t *value_out)
{
    birch_db *db = ctx;
    for (size_t idx = 0; idx < db->seq_count; idx++) {
        if (db->seq_oids[idx] == sequence_oid) {
            *value_out = db->seq_values[idx];
            return true;
        }
    }
    return false;
}
