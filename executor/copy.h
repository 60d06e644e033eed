/* executor/copy.h: COPY (internal to executor/): COPY table FROM STDIN | 'file', COPY table |
 * (query) TO STDOUT | 'file', in PostgreSQL's text, CSV and binary formats.
 *
 * The session calls copy_run from sess_run_utility (session_util.c) inside the statement's
 * transaction. A file is read or written there and then; STDIN / STDOUT leave a pending COPY
 * attached to the statement (a registry keyed by birch_stmt, copy.c) that holds the implicit
 * transaction open (sess_exec_begin) while the caller exchanges data through api.c's
 * birch_copy_put / birch_copy_end / birch_copy_get, which call the copy_api_* functions here.
 *
 * Rows read go through the INSERT path: the statement is planned as
 * `INSERT INTO t (cols) SELECT * FROM (VALUES (NULL::type, ...))` and the VALUES operator is
 * replaced by a source operator handing out the parsed rows chunk by chunk (2048 rows), so
 * defaults, identity/serial, assignment casts, NOT NULL, CHECK, unique, FK and every index
 * behave as for INSERT.
 *
 * Invariants:
 * 1. A statement has at most one CopyState; a pending one (pending != 0) holds exactly one
 *    sess_exec_begin on its session until it ends (success, error or abandon).
 * 2. Every error that ends a pending COPY fails the session's transaction as a failed statement
 *    does (implicit: rolled back; block: failed, 25P02 afterwards).
 * 3. Data rows reach the insert operator in input order; `COPY n` counts rows written (FROM)
 *    or rows sent (TO).
 */
#ifndef BIRCH_EXECUTOR_COPY_H
#define BIRCH_EXECUTOR_COPY_H

#include "executor/session.h"

/* copy_run: start or run the COPY statement ast for stmt (from sess_run_utility, inside the
 * statement's transaction). Files are done on return (tag `COPY n` set); STDIN / STDOUT leave
 * a pending COPY (copy_step_status then answers BIRCH_COPY_IN / BIRCH_COPY_OUT).
 * Errors: 42P01, 42703, 42809 (a view), 0A000 (unsupported forms), option errors (42601,
 * 22023, 0A000), 58P01 (a missing file), and the data errors of a file. */
Error *copy_run(birch_stmt *stmt, const AstStmt *ast);

/* copy_step_status: status (birch_step's) turned into BIRCH_COPY_IN / BIRCH_COPY_OUT when
 * stmt has a pending COPY and status is BIRCH_DONE. */
int    copy_step_status(birch_stmt *stmt, int status);

/* The birch_copy_* functions (include/birch.h): a status, *err_out set for BIRCH_ERROR. */
int    copy_api_format(birch_stmt *stmt, int *column_count_out, Error **err_out);
int    copy_api_put(birch_stmt *stmt, const void *data, size_t size, Error **err_out);
int    copy_api_end(birch_stmt *stmt, const char *error_message, Error **err_out);
int    copy_api_get(birch_stmt *stmt, const void **data_out, size_t *size_out, Error **err_out);

/* copy_forget: stmt is being reset or finalized: a pending COPY FROM is abandoned as failed, a
 * pending COPY TO is closed; the state is freed. */
void   copy_forget(birch_stmt *stmt);
/* copy_forget_db: copy_forget for every statement of db (birch_close). */
void   copy_forget_db(birch_db *db);

/* copy_exec_attach / copy_exec_detach: birch_exec runs stmt: COPY TO STDOUT hands each row to
 * callback (one column named "COPY": the row's text without its newline); COPY FROM STDIN fails
 * with 0A000 (birch_exec has no data source). */
void   copy_exec_attach(birch_stmt *stmt, birch_row_fn callback, void *ctx);
void   copy_exec_detach(birch_stmt *stmt);

#endif
