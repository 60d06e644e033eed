/* executor/kern_catalog.h: the object-identifier types (regclass, regtype, regproc,
 * regnamespace, regrole) and the catalog and session functions clients call on their own
 * (format_type, pg_get_*def, pg_table_is_visible, has_*_privilege, pg_size_pretty, ...), as
 * kernels (KernFn, kern.h) registered in kern_registry.c.
 *
 * Kernels that read the catalog reach it through ctx->session->catalog_env (exec.h): the
 * session fills a KernCatEnv with its catalog, current transaction, search_path and user at
 * the moment of the call, so a regclass printed to the client names the relation as the
 * statement's snapshot sees it. Without a session (ctx->session NULL) or outside a transaction,
 * reg* values print as numbers and names do not resolve.
 *
 * Results follow PostgreSQL 15 (regclassout, format_type, pg_get_constraintdef ...); SQLSTATEs:
 * UNDEFINED_TABLE (42P01) `relation "x" does not exist`, UNDEFINED_OBJECT (42704) `type "x"
 * does not exist` / `role "x" does not exist`, INVALID_SCHEMA_NAME (3F000) `schema "x" does not
 * exist`, UNDEFINED_FUNCTION (42883) `function "x" does not exist`, INVALID_NAME (42602)
 * `invalid name syntax`, INVALID_PARAMETER_VALUE (22023) `unrecognized privilege type: "x"`. */
#ifndef BIRCH_EXECUTOR_KERN_CATALOG_H
#define BIRCH_EXECUTOR_KERN_CATALOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "executor/kern.h"
#include "planner/catalog.h"
#include "txn/txn.h"

/* KernCatEnv: the session's view of the catalog at one moment (filled by
 * ExecSessionHooks.catalog_env). Strings belong to the session and stay valid for the call. */
typedef struct KernCatEnv {
    Catalog            *catalog;            /* NULL: none */
    Txn                *txn;                /* NULL: no transaction open (no lookups) */
    const char *const  *search_path;        /* schema names, as SET search_path gave them */
    size_t              search_path_count;
    const char         *user;               /* session user name */
    int32_t             backend_pid;
    atomic_int         *interrupt;          /* the session's cancel flag (session.h); NULL: none */
} KernCatEnv;

/* kern_catalog_env: the env of ctx's session; false (and *env_out zeroed) when there is no
 * session, catalog or transaction. */
bool kern_catalog_env(const KernCtx *ctx, KernCatEnv *env_out);

/* kern_format_type: PostgreSQL's format_type(type_oid, typmod) text into buffer (NUL-ended,
 * truncated to buffer_size): "integer", "character varying(20)", "numeric(10,2)",
 * "timestamp(3) without time zone", "integer[]"; "???" for an unknown OID. Returns the length. */
size_t kern_format_type(uint32_t type_oid, int32_t typmod, char *buffer, size_t buffer_size);
/* kern_type_by_name: the type OID of a type name as regtypein reads it ("int4", "integer",
 * "character varying", "pg_catalog.text", "varchar(20)", "integer[]", "\"char\""); 0 if none. */
uint32_t kern_type_by_name(const char *text);
/* kern_quote_ident: quote_ident(text): double-quoted when not a plain lower-case identifier or
 * when a reserved keyword, into arena. Errors: OUT_OF_MEMORY. */
Error *kern_quote_ident(Arena *arena, const char *text, size_t size, const char **out);

/* kern_deparse_sql: a default (is_default, of a column of default_type) or CHECK expression
 * stored as SQL text, printed as PostgreSQL's pg_get_expr / pg_get_constraintdef print the
 * stored tree (pretty: ruleutils' pretty mode) relative to table (column types; may be NULL);
 * *out is sql itself when it does not parse or uses a form not covered (kern_catalog_expr.c).
 * Errors: OUT_OF_MEMORY. */
Error *kern_deparse_sql(const KernCatEnv *env, bool have_env, const CatTable *table,
                        const char *sql, bool is_default, Type default_type, bool pretty,
                        Arena *arena, const char **out);
/* kern_deparse_view: pg_get_viewdef's text of a view stored as sql: PostgreSQL's pretty
 * layout (" SELECT t.a,\n    t.b AS c\n   FROM t\n  WHERE ...;") for a SELECT of one table
 * with an optional WHERE, the text as written in the same " ...;" frame otherwise.
 * Errors: OUT_OF_MEMORY; catalog errors. */
Error *kern_deparse_view(const KernCatEnv *env, bool have_env, const char *sql, Arena *arena,
                         const char **out);
/* kern_regclass_name_text: regclassout(regclassin(text)) (for nextval('s'::regclass) in
 * defaults); *out NULL when text names no relation. Errors: OUT_OF_MEMORY, tree errors. */
Error *kern_regclass_name_text(const KernCatEnv *env, const char *text, Arena *arena,
                               const char **out);

/* ---- reg* types (kern_catalog.c) ----
 * kern_cast_text_REG (input: a number is the OID; else a name: regclass [schema.]relation
 * along search_path, regtype a type name, regnamespace a schema, regrole a role, regproc a
 * function name ("-" is 0)) and kern_cast_REG_text (output: the name, schema-qualified when
 * not visible on search_path; an OID naming nothing prints as the number; 0 prints "-").
 * kern_to_REG: to_regclass(text) ...: NULL instead of the not-found error. */
#define KERN_REG_FAMILY(X, T) X(kern_cast_text_##T); X(kern_cast_##T##_text); X(kern_to_##T)
KERN_REG_FAMILY(KERN_DECLARE, regclass);
KERN_REG_FAMILY(KERN_DECLARE, regtype);
KERN_REG_FAMILY(KERN_DECLARE, regproc);
KERN_REG_FAMILY(KERN_DECLARE, regnamespace);
KERN_REG_FAMILY(KERN_DECLARE, regrole);
enum { KERN_TYPE_PG_NODE_TREE = 194 };   /* pg_attrdef.adbin's type in PostgreSQL */
/* kern_is_oid_family: oid or a reg* type. */
static inline bool kern_is_oid_family(uint32_t id)
{
    return id == TYPE_OID || id == TYPE_REGCLASS || id == TYPE_REGTYPE || id == TYPE_REGPROC ||
           id == TYPE_REGNAMESPACE || id == TYPE_REGROLE;
}
/* kern_oid_cast: a cast kern_reg_relabel does: between the oid family and int2/int4/int8 (or
 * within the family). */
static inline bool kern_oid_cast(uint32_t from, uint32_t to)
{
    bool from_int = from == TYPE_INT2 || from == TYPE_INT4 || from == TYPE_INT8;
    bool to_int = to == TYPE_INT4 || to == TYPE_INT8;
    return from != to && ((kern_is_oid_family(from) && (kern_is_oid_family(to) || to_int)) ||
                          (from_int && kern_is_oid_family(to)));
}
/* kern_reg_relabel: an int64 copy (oid <-> reg*, int8 -> oid range-checked: Errors
 * NUMERIC_VALUE_OUT_OF_RANGE `OID out of range`). */
KERN_DECLARE(kern_reg_relabel);

/* ---- catalog functions (kern_catalog.c) ----
 * Strict in their first argument; an OID that names nothing gives NULL, as PostgreSQL. The
 * NAME2/NAME3 forms differ in arity (the optional pretty / column arguments). */
KERN_DECLARE(kern_format_type_fn);              /* (oid, int4) -> text; NULL typmod allowed */
KERN_DECLARE(kern_pg_get_userbyid);             /* (oid) -> name; 'unknown (OID=n)' */
KERN_DECLARE(kern_pg_table_is_visible);         /* (oid) -> bool */
KERN_DECLARE(kern_pg_type_is_visible);          /* (oid) -> bool */
KERN_DECLARE(kern_pg_function_is_visible);      /* (oid) -> bool: true */
KERN_DECLARE(kern_pg_get_expr);                 /* (text, oid) -> text */
KERN_DECLARE(kern_pg_get_expr3);                /* (text, oid, bool pretty) -> text */
KERN_DECLARE(kern_pg_get_indexdef);             /* (oid) -> text */
KERN_DECLARE(kern_pg_get_indexdef3);            /* (oid, int4 column, bool) -> text */
KERN_DECLARE(kern_pg_get_constraintdef);        /* (oid) -> text */
KERN_DECLARE(kern_pg_get_constraintdef2);       /* (oid, bool pretty) -> text */
KERN_DECLARE(kern_pg_get_viewdef);              /* (oid | text [, bool]) -> text */
KERN_DECLARE(kern_pg_relation_is_publishable);  /* (oid) -> bool */
KERN_DECLARE(kern_pg_relation_size);            /* (oid) -> int8: pages * 8192 */
KERN_DECLARE(kern_pg_total_relation_size);      /* (oid) -> int8: table and its indexes */
KERN_DECLARE(kern_pg_indexes_size);             /* (oid) -> int8 */
KERN_DECLARE(kern_pg_database_size);            /* (name) -> int8 */
KERN_DECLARE(kern_pg_get_serial_sequence);      /* (text, text) -> text */
/* has_*_privilege: every user is a superuser: true once the user, object and privilege names
 * check out (42P01 / 3F000 / 42704 / 22023 otherwise; NULL for an OID naming nothing). */
KERN_DECLARE(kern_has_table_privilege2);        /* (table text|oid, priv) -> bool */
KERN_DECLARE(kern_has_table_privilege3);        /* (user, table, priv) */
KERN_DECLARE(kern_has_schema_privilege2);
KERN_DECLARE(kern_has_schema_privilege3);
KERN_DECLARE(kern_has_database_privilege2);
KERN_DECLARE(kern_has_database_privilege3);
KERN_DECLARE(kern_has_column_privilege3);       /* (table, column, priv) */
KERN_DECLARE(kern_has_sequence_privilege2);
KERN_DECLARE(kern_has_function_privilege2);
KERN_DECLARE(kern_pg_has_role2);                /* (role, priv) */
KERN_DECLARE(kern_pg_has_role3);                /* (user, role, priv) */
KERN_DECLARE(kern_txid_current);                /* () -> int8: the transaction's id */
KERN_DECLARE(kern_current_schemas);             /* (bool) -> name[] */

/* ---- catalog-free functions (kern_catalog_fmt.c) ---- */
KERN_DECLARE(kern_pg_size_pretty_i64);          /* (int8) -> text */
KERN_DECLARE(kern_pg_size_pretty_num);          /* (numeric) -> text */
KERN_DECLARE(kern_quote_ident_fn);              /* (text) -> text */
KERN_DECLARE(kern_quote_literal);               /* (text) -> text */
KERN_DECLARE(kern_quote_nullable);              /* (text) -> text, 'NULL' for NULL */
KERN_DECLARE(kern_pg_encoding_to_char);         /* (int4) -> name */
KERN_DECLARE(kern_pg_char_to_encoding);         /* (name) -> int4 */
KERN_DECLARE(kern_null_text);                   /* any args -> NULL text (obj_description ...) */
KERN_DECLARE(kern_empty_text);                  /* (oid) -> '' (pg_get_function_arguments) */
KERN_DECLARE(kern_const_false);                 /* any args -> false (pg_is_in_recovery ...) */
KERN_DECLARE(kern_const_true);                  /* any args -> true, NULL for NULL args */
KERN_DECLARE(kern_null_i4);                     /* -> NULL int4 (inet_server_port) */
KERN_DECLARE(kern_pg_postmaster_start_time);    /* () -> timestamptz */
KERN_DECLARE(kern_pg_sleep);                    /* (float8) -> text '' (void) */
/* now() / transaction_timestamp() / current_timestamp / statement_timestamp(): the
 * transaction's start (KernCtx.dt->now); clock_timestamp(): the clock; current_date,
 * localtimestamp, localtime: the start in the session's TimeZone. */
KERN_DECLARE(kern_now);
KERN_DECLARE(kern_clock_timestamp);
KERN_DECLARE(kern_current_date);
KERN_DECLARE(kern_localtimestamp);
KERN_DECLARE(kern_localtime);

#endif
