/* executor/ddl_analyze.h: ANALYZE and VACUUM ANALYZE (ddl_analyze.c). */
#ifndef BIRCH_EXECUTOR_DDL_ANALYZE_H
#define BIRCH_EXECUTOR_DDL_ANALYZE_H

#include "executor/session.h"

/* ddl_analyze_run: ANALYZE [VERBOSE] [t [(a, b)], ...] (every user table when none is named):
 * sample each table and store its statistics (catalog_stats_store) in the session's transaction,
 * or in a transaction of its own that commits at the end (a failure stores nothing). Views and
 * sequences named get a WARNING and are skipped, as in PostgreSQL.
 * Pre:    stmt->db is the session; vacuum is the statement's AST.
 * Errors: UNDEFINED_TABLE (42P01) for a missing relation, INVALID_SCHEMA_NAME (3F000),
 *         UNDEFINED_COLUMN (42703) for a column list naming a missing column (checked before
 *         anything is written), IN_FAILED_SQL_TRANSACTION (25P02); lock, scan and OOM errors. */
Error *ddl_analyze_run(birch_stmt *stmt, const AstVacuum *vacuum);

#endif
