/* executor/ddl_role.h: CREATE / ALTER / DROP ROLE (and USER) on the catalog's roles
 * (planner/catalog.h, roles block), and the role checks of a session's login (birch_open,
 * birch_role_verifier). Implemented in executor/ddl_role.c.
 *
 * Passwords are stored only as verifiers (common/pwhash.h): SCRAM-SHA-256 by default, md5 when
 * the session's password_encryption is 'md5', and a password that already is a verifier is
 * stored as given, as PostgreSQL does. Everyone is a superuser for now: no privilege checks.
 */
#ifndef BIRCH_EXECUTOR_DDL_ROLE_H
#define BIRCH_EXECUTOR_DDL_ROLE_H

#include "executor/exec.h"
#include "parser/ast.h"
#include "planner/catalog.h"

/* ddl_role_execute: CREATE ROLE|USER (tag "CREATE ROLE") or ALTER ROLE|USER (options, RENAME TO;
 * tag "ALTER ROLE") in ctx->txn. Errors: 42710 `role "x" already exists`; 42704 `role "x" does
 * not exist`; 42601 `conflicting or redundant options`, `unrecognized role option "x"`; 42939
 * for reserved names (pg_*, public, none); 22023 `invalid connection limit: n`; 0A000 for
 * ALTER ROLE ... SET. NOTICEs through notice (may be NULL) as PostgreSQL raises them. */
Error *ddl_role_execute(DdlCtx *ctx, const AstStmt *stmt, DdlNoticeFn notice, void *notice_ctx,
                        const char **tag_out);
/* ddl_role_drop: DROP ROLE|USER [IF EXISTS] a, b (every name checked before any is dropped).
 * Errors: 42704 (IF EXISTS: NOTICE `role "x" does not exist, skipping`); 55006 `current user
 * cannot be dropped`; 2BP01 for the bootstrap role. */
Error *ddl_role_drop(DdlCtx *ctx, const AstDrop *drop, DdlNoticeFn notice, void *notice_ctx);

/* ddl_role_find: the role named name (NULL: the bootstrap role, the database owner) read in
 * txn, or in a short transaction of its own when txn is NULL. *role_out NULL if absent; the
 * CatRole is the catalog's (valid until the catalog closes). */
Error *ddl_role_find(Catalog *catalog, TxnManager *manager, Txn *txn, const char *name,
                     const CatRole **role_out);
/* ddl_role_login: the role a new session runs as: name (NULL: the bootstrap role) must exist
 * and (when named) have LOGIN: INVALID_AUTHORIZATION_SPECIFICATION (28000) `role "x" does not
 * exist` / `role "x" is not permitted to log in` otherwise. *name_out is the catalog's name. */
Error *ddl_role_login(Catalog *catalog, TxnManager *manager, const char *name,
                      const char **name_out);

/* ddl_role_verifier: for the server's authentication (birch_role_verifier): role name's stored
 * verifier (NULL: no password, or VALID UNTIL has passed, so every password method fails).
 * Errors: 28000 `role "x" does not exist`, `role "x" is not permitted to log in`. *verifier_out
 * is the catalog's (valid until the catalog closes). */
Error *ddl_role_verifier(Catalog *catalog, TxnManager *manager, Txn *txn, const char *name,
                         const char **verifier_out);

#endif
