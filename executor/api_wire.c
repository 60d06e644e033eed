/* executor/api_wire.c: the block of include/birch.h added for the server (wire/): a simple
 * query string's statements parsed together and compiled one at a time (birch_query), the
 * implicit transaction the extended protocol holds until Sync, and a caller-raised error's
 * effect on the transaction.
 *
 * These are thin wrappers over session.c's own machinery (birch_exec uses the same
 * sess_exec_begin / sess_exec_end pair for its implicit transaction).
 */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "executor/session.h"
#include "include/birch.h"
#include "parser/parse.h"

struct birch_query {
    birch_db    *db;
    Arena       *arena;       /* the AST of every statement */
    char        *sql;         /* malloc'd copy: the caller's buffer may move */
    AstStmtList *list;
    int          next_idx;
    bool         hold;        /* sess_exec_begin was called */
};

static const char *const WIRE_SEVERITY_NAMES[] = {"ERROR", "FATAL", "PANIC", "WARNING",
                                                  "NOTICE"};

static void wire_clear_error(birch_db *db)
{
    if (db->last_error == NULL) return;
    err_free(db->last_error);
    db->last_error = NULL;
}

static int wire_fail(birch_db *db, Error *err)
{
    wire_clear_error(db);
    db->last_error = err;
    db->error_view = (birch_error){
        .severity = WIRE_SEVERITY_NAMES[err->severity],
        .sqlstate = sqlstate_code(err->state),
        .message = err->message != NULL ? err->message : "",
        .detail = err->detail,
        .hint = err->hint,
        .position = err->position,
        .schema_name = err->schema_name,
        .table_name = err->table_name,
        .column_name = err->column_name,
        .constraint_name = err->constraint_name,
    };
    return BIRCH_ERROR;
}

int birch_query_open(birch_db *db, const char *sql, birch_query **query_out,
                     int *statement_count_out)
{
    wire_clear_error(db);
    *query_out = NULL;
    if (statement_count_out != NULL) *statement_count_out = 0;
    if (sql == NULL) {
        return wire_fail(db, err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "SQL text is NULL"));
    }
    birch_query *query = calloc(1, sizeof *query);
    if (query == NULL) return wire_fail(db, err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"));
    query->db = db;
    query->arena = arena_create(16384);
    query->sql = strdup(sql);
    if (query->arena == NULL || query->sql == NULL) {
        birch_query_close(query, true);
        return wire_fail(db, err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"));
    }
    Error *err = parse_sql(query->arena, query->sql, &query->list);
    if (err != NULL) {
        sess_statement_failed(db);
        birch_query_close(query, true);
        return wire_fail(db, err);
    }
    if (query->list->count > 1) {
        sess_exec_begin(db);
        query->hold = true;
    }
    if (statement_count_out != NULL) *statement_count_out = query->list->count;
    *query_out = query;
    return BIRCH_OK;
}

int birch_query_next(birch_query *query, birch_stmt **stmt_out)
{
    birch_db *db = query->db;
    wire_clear_error(db);
    *stmt_out = NULL;
    if (query->list == NULL || query->next_idx >= query->list->count) return BIRCH_OK;
    AstStmt *ast = query->list->stmts[query->next_idx++];
    SessPrepared *prepared = NULL;
    Error *err = sess_compile_ast(db, query->sql, ast, 0, NULL, &prepared);
    if (err != NULL) {
        sess_statement_failed(db);
        return wire_fail(db, err);
    }
    err = sess_stmt_new(db, prepared, stmt_out);
    sess_prepared_release(prepared);
    return err != NULL ? wire_fail(db, err) : BIRCH_OK;
}

int birch_query_close(birch_query *query, bool failed)
{
    if (query == NULL) return BIRCH_OK;
    birch_db *db = query->db;
    Error *err = query->hold ? sess_exec_end_checked(db, failed) : NULL;
    if (query->arena != NULL) arena_destroy(query->arena);
    free(query->sql);
    free(query);
    if (err == NULL) return BIRCH_OK;
    if (failed) {   /* the statement's own error was reported; a rollback's is secondary */
        err_free(err);
        return BIRCH_OK;
    }
    return wire_fail(db, err);
}

void birch_txn_hold(birch_db *db) { sess_exec_begin(db); }

void birch_txn_release(birch_db *db, bool failed) { sess_exec_end(db, failed); }

bool birch_stmt_needs_own_txn(const birch_stmt *stmt)
{
    return stmt != NULL && stmt->prepared->ast != NULL &&
           stmt->prepared->ast->kind == AST_STMT_VACUUM;
}

void birch_txn_fail(birch_db *db) { sess_statement_failed(db); }
