/* planner/sysview_int.h: internals of the system relations (sysview*.c only): the generators
 * named in sysview_columns.c's table, and helpers they share. */
#ifndef BIRCH_PLANNER_SYSVIEW_INT_H
#define BIRCH_PLANNER_SYSVIEW_INT_H

#include "planner/sysview.h"

/* SysCatalog: one snapshot's relations and roles, read once per generator call. */
typedef struct SysCatalog {
    const CatTable **tables;         /* catalog_list: every relation (schemas, indexes ...) */
    size_t           table_count;
    const CatRole  **roles;          /* catalog_role_list */
    size_t           role_count;
} SysCatalog;

/* sys_catalog_read: fill *cat from gen->env (through env->txn). */
Error *sys_catalog_read(SysGen *gen, SysCatalog *cat);
/* sys_catalog_table: the relation with oid among cat's, NULL if none. */
const CatTable *sys_catalog_table(const SysCatalog *cat, uint32_t oid);
/* sys_role_name: the name of role oid (the bootstrap role falls back to env->user). */
const char *sys_role_name(SysGen *gen, const SysCatalog *cat, uint32_t oid);
/* sys_type_name_sql: format_type's spelling of type with its typmod ("character varying(10)",
 * "numeric(10,2)", "integer"), in gen's arena. */
const char *sys_type_sql(SysGen *gen, Type type);
/* sys_index_def: pg_get_indexdef's text for index of table. */
const char *sys_index_def(SysGen *gen, const CatTable *table, const CatIndex *index);
/* sys_constraint_def: pg_get_constraintdef's text. */
const char *sys_constraint_def(SysGen *gen, const SysCatalog *cat, const CatTable *table,
                               const CatConstraint *constraint);
/* sys_quote_ident: quote_ident(name). */
const char *sys_quote_ident(SysGen *gen, const char *name);
/* sys_column_collation: pg_attribute.attcollation of a column of type (100 for collatable
 * types, 950 for name, 0 otherwise). */
uint32_t sys_type_collation(uint32_t type_id);

/* SysRel: one relation PostgreSQL's pg_class would list for the user's objects. */
typedef struct SysRel {
    uint32_t        oid;
    char            kind;            /* 'r', 'i', 'v', 'S' */
    const CatTable *table;           /* the relation; for an index, its table */
    const CatIndex *index;           /* 'i' */
} SysRel;

/* sys_relations: tables, their indexes (sys_table_indexes), views and sequences, by OID. */
Error *sys_relations(SysGen *gen, const SysCatalog *cat, SysRel **rels_out, size_t *count_out);
/* sys_table_indexes: table's indexes plus, for a table clustered on its integer primary key,
 * the index PostgreSQL would have for it (OID and name of the constraint), in OID order. */
Error *sys_table_indexes(SysGen *gen, const CatTable *table, const CatIndex ***indexes_out,
                         uint16_t *count_out);
/* sys_constraint_index: pg_constraint.conindid of a primary key / unique constraint. */
uint32_t sys_constraint_index(const CatTable *table, const CatConstraint *constraint);
/* sys_column_sequence: the sequence a column's DEFAULT nextval(...) names (SERIAL and identity
 * columns own theirs), NULL if none. sys_sequence_owner: the reverse (*attnum_out 0 if none). */
const CatTable *sys_column_sequence(const SysCatalog *cat, const CatTable *table,
                                    const CatColumn *column);
const CatTable *sys_sequence_owner(const SysCatalog *cat, const CatTable *sequence,
                                   int16_t *attnum_out);
/* sys_view_updatable: whether PostgreSQL would find view automatically updatable; columns
 * (view->column_count entries) get which of its columns are plain column references. */
bool sys_view_updatable(SysGen *gen, const CatTable *view, bool *columns);
/* sysview_not_null: attnotnull of a system relation's column, as PostgreSQL's bootstrap sets it
 * (fixed-width columns before the first variable-width one, plus a few forced ones). */
bool sysview_not_null(const SysView *view, uint16_t col_idx);
/* sys_referenced_key: the primary key / unique constraint of ref that fk references. */
const CatConstraint *sys_referenced_key(const CatTable *ref, const CatConstraint *fk);

enum {
    SYS_OID_PG_CLASS = 1259,
    SYS_OID_PG_TYPE = 1247,
    SYS_OID_PG_NAMESPACE = 2615,
    SYS_OID_PG_CONSTRAINT = 2606,
    SYS_OID_PG_ATTRDEF = 2604,
    SYS_OID_PG_REWRITE = 2618,
    SYS_OID_PG_TOAST = 99,
    SYS_OID_AM_HEAP = 2,
    SYS_OID_AM_BTREE = 403,
    SYS_OID_AM_HASH = 405,
    SYS_OID_TABLESPACE_DEFAULT = 1663,
    SYS_OID_TABLESPACE_GLOBAL = 1664,
    SYS_OID_DATABASE = 5,
    SYS_OID_COLLATION_DEFAULT = 100,
    SYS_OID_COLLATION_C = 950,
    SYS_OID_COLLATION_POSIX = 951,
    SYS_OID_PG_DATABASE_OWNER = 6171,
};

Error *sysgen_empty(SysGen *gen);
Error *sysgen_info_check_constraints(SysGen *gen);
Error *sysgen_info_columns(SysGen *gen);
Error *sysgen_info_constraint_column_usage(SysGen *gen);
Error *sysgen_info_key_column_usage(SysGen *gen);
Error *sysgen_info_referential_constraints(SysGen *gen);
Error *sysgen_info_schemata(SysGen *gen);
Error *sysgen_info_sequences(SysGen *gen);
Error *sysgen_info_table_constraints(SysGen *gen);
Error *sysgen_info_tables(SysGen *gen);
Error *sysgen_info_views(SysGen *gen);
Error *sysgen_pg_am(SysGen *gen);
Error *sysgen_pg_attrdef(SysGen *gen);
Error *sysgen_pg_attribute(SysGen *gen);
Error *sysgen_pg_auth_members(SysGen *gen);
Error *sysgen_pg_authid(SysGen *gen);
Error *sysgen_pg_class(SysGen *gen);
Error *sysgen_pg_collation(SysGen *gen);
Error *sysgen_pg_constraint(SysGen *gen);
Error *sysgen_pg_database(SysGen *gen);
Error *sysgen_pg_depend(SysGen *gen);
Error *sysgen_pg_index(SysGen *gen);
Error *sysgen_pg_indexes(SysGen *gen);
Error *sysgen_pg_namespace(SysGen *gen);
Error *sysgen_pg_proc(SysGen *gen);
Error *sysgen_pg_roles(SysGen *gen);
Error *sysgen_pg_sequence(SysGen *gen);
Error *sysgen_pg_sequences(SysGen *gen);
Error *sysgen_pg_settings(SysGen *gen);
Error *sysgen_pg_stat_activity(SysGen *gen);
Error *sysgen_pg_stat_user_indexes(SysGen *gen);
Error *sysgen_pg_stat_user_tables(SysGen *gen);
Error *sysgen_pg_statio_user_tables(SysGen *gen);
Error *sysgen_pg_tables(SysGen *gen);
Error *sysgen_pg_tablespace(SysGen *gen);
Error *sysgen_pg_type(SysGen *gen);
Error *sysgen_pg_user(SysGen *gen);
Error *sysgen_pg_views(SysGen *gen);
Error *sysgen_pg_statistic(SysGen *gen);   /* stats: sysview_pg.c */
Error *sysgen_pg_stats(SysGen *gen);       /* stats: sysview_pg.c */

#endif
