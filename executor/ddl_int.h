/* executor/ddl_int.h: helpers shared by ddl.c and ddl_alter.c (exec-dml's files only). */
#ifndef BIRCH_EXECUTOR_DDL_INT_H
#define BIRCH_EXECUTOR_DDL_INT_H

#include "executor/dml_int.h"

typedef struct DdlRun {
    DdlCtx     *ctx;
    DdlNoticeFn notice;
    void       *notice_ctx;
} DdlRun;

Error *ddl_oom(void);
/* ddl_notice: raise a NOTICE (state, formatted message) through the session's callback. */
void   ddl_notice(DdlRun *run, SqlState state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ddl_cascade_notice: before a CASCADE drop of relation oid (attnum > 0: of that column),
 * PostgreSQL's NOTICE naming the views it takes along (`drop cascades to view v`, or `drop
 * cascades to N other objects` with one DETAIL line per view); nothing if none. */
Error *ddl_cascade_notice(DdlRun *run, uint32_t oid, int16_t attnum);
/* ddl_lock: table lock mode on oid for the transaction (no-op without a lock manager). */
Error *ddl_lock(DdlRun *run, uint32_t oid, LockMode mode);
/* ddl_namespace: the schema of a qualified name (parts; the last is the relation name): the
 * named schema (3F000 if absent) or the first existing schema of the search path. */
Error *ddl_namespace(DdlRun *run, const AstList *names, uint32_t *namespace_oid_out,
                     const char **name_out);
/* ddl_lookup: the relation a qualified name denotes (search path for one part); NULL if none. */
Error *ddl_lookup(DdlRun *run, const AstList *names, const CatTable **table_out);
/* ddl_plan_ctx: a PlanCtx over run's session state. */
PlanCtx ddl_plan_ctx(DdlRun *run);
/* ddl_exec_ctx: an ExecCtx for evaluating expressions / running plans inside DDL. */
Error *ddl_exec_ctx(DdlRun *run, const PlannedStmt *planned, ExecCtx **exec_out);
/* ddl_column_attnum: attnum of a live column named name, 0 if none. */
int16_t ddl_column_attnum(const CatTable *table, const char *name);
/* ddl_paren_text: the text inside the first parenthesis at or after 1-based position. */
Error *ddl_paren_text(DdlRun *run, int position, const char **text_out);
/* ddl_expr_text: the expression text after the keyword token at 1-based position, up to a
 * ',' ')' or ';' at depth 0, the end, or stop_position (1-based, 0: none). */
Error *ddl_expr_text(DdlRun *run, int position, int stop_position, const char **text_out);
/* ddl_constraint_def: a CatConstraintDef from a table or column constraint of table_name
 * (columns resolved by def_columns: names of the table being defined). */
typedef struct DdlColumns {
    uint16_t            count;
    const char *const  *names;
} DdlColumns;
Error *ddl_constraint_def(DdlRun *run, const AstConstraint *constraint, const DdlColumns *columns,
                          int16_t column_attnum, uint32_t self_oid, const char *self_name,
                          uint32_t namespace_oid, CatConstraintDef *def_out, bool *self_ref_out);
/* ddl_build_index: fill index (empty) from table's visible rows; unique duplicates are 23505
 * `could not create unique index "i"`. */
Error *ddl_build_index(DdlRun *run, const CatTable *table, const CatIndex *index);
/* ddl_verify_constraint: existing rows satisfy the constraint named name (CHECK: 23514, FK:
 * 23503); for 'p'/'u' build the index. */
Error *ddl_verify_constraint(DdlRun *run, uint32_t table_oid, const char *name, char kind);
/* ddl_sequence_for_column: SERIAL / IDENTITY: create sequence <table>_<column>_seq owned by
 * (table_oid, attnum); *default_sql_out its nextval default. */
Error *ddl_sequence_for_column(DdlRun *run, uint32_t namespace_oid, const char *table_name,
                               const char *column_name, Type type, uint32_t table_oid,
                               int16_t attnum, const AstList *options);
Error *ddl_serial_default(DdlRun *run, uint32_t namespace_oid, const char *table_name,
                          const char *column_name, const char **default_sql_out);
/* ddl_serial_type: SERIAL / BIGSERIAL / SMALLSERIAL name -> its integer type. */
bool   ddl_serial_type(const AstTypeName *type_name, Type *type_out);
Error *ddl_alter_table(DdlRun *run, const AstStmt *stmt);
Error *ddl_create_index(DdlRun *run, const AstStmt *stmt);

#endif
