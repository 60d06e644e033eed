/* planner/sysview.h: system relations (pg_catalog.*, information_schema.*) whose rows are made
 * at execution time from birch's catalog, so clients' catalog queries run unchanged.
 *
 * A SysView describes one relation as PostgreSQL 15 has it: schema, name, PostgreSQL's fixed
 * OID (< 16384: pg_class 1259, pg_attribute 1249 ...), and every column PostgreSQL has, in its
 * order, with its declared PostgreSQL type. The binder turns a name that resolves to a SysView
 * into a PLAN_SYSVIEW_SCAN leaf producing every column (filters go above it); at execution the
 * executor's op_sysview calls sysview_generate with the statement's transaction, so the rows
 * are exactly the catalog the statement's snapshot sees (a transaction sees its own DDL).
 *
 * Name resolution (sysview_resolve): `pg_catalog.x` and `information_schema.x` look in that
 * schema; an unqualified name is looked for in pg_catalog first (PostgreSQL searches it before
 * the search path), then in information_schema only when that schema is on the search path.
 *
 * Column types: a column's declared PostgreSQL type is `pg_type`; the type it has in birch is
 * sysview_column_type(): the declared one when birch has it, otherwise a stand-in whose text
 * output is PostgreSQL's:
 *   pg_node_tree (adbin, conbin, polqual ...) -> text holding the expression's SQL text (the
 *     agreed contract with catfuncs: pg_get_expr(adbin, adrelid) returns it unchanged);
 *   regproc -> text (the function's name, "-" for none: what regproc prints);
 *   xid -> int8; inet, pg_lsn, anyarray, pg_ndistinct ... -> text (always NULL here);
 *   aclitem[] -> text[] (always NULL: birch has no ACLs, so PostgreSQL's default privileges);
 *   int2vector / oidvector / arrays birch does not know yet -> text in PostgreSQL's text form
 *     ("1 2" for vectors, "{a,b}" for arrays).
 * information_schema's domains are shown as their base types: sql_identifier -> name,
 * character_data and yes_or_no -> varchar, cardinal_number -> int4, time_stamp -> timestamptz.
 *
 * Values: generators fill SysRows with SysValue cells (integers, floats, text, bool, and
 * integer or text lists for array-typed columns); the executor converts each cell to the
 * column's birch type (arrays through common/array.h's ArrayBuilder).
 *
 * Invariants:
 * 1. Every SysView's OID is PostgreSQL 15's OID of that relation, unique among SysViews, and
 *    below CAT_OID_FIRST_USER, so it never collides with a user relation.
 * 2. A generator reads the catalog only through env->txn: its rows are the snapshot's.
 * 3. A row has exactly the view's column_count cells; a cell not set is NULL.
 * 4. Generators are deterministic for a snapshot: rows come out in OID order of the object
 *    they describe (then attnum / key order), as a heap scan of a fresh PostgreSQL catalog
 *    roughly does; queries that care use ORDER BY.
 */
#ifndef BIRCH_PLANNER_SYSVIEW_H
#define BIRCH_PLANNER_SYSVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/types.h"
#include "planner/catalog.h"
#include "planner/plan.h"
#include "txn/txn.h"

enum {
    SYSVIEW_COLUMN_MAX = 96,          /* the widest (information_schema.routines) has 82 */
    SYSVIEW_PG_TYPE_XID = 28,         /* declared PostgreSQL types birch stands in for */
    SYSVIEW_PG_TYPE_NODE_TREE = 194,
    SYSVIEW_PG_TYPE_ACLITEM_ARRAY = 1034,
    SYSVIEW_PG_TYPE_ANYARRAY = 2277,
};

typedef struct SysColumn {
    const char *name;
    uint32_t    pg_type;             /* PostgreSQL's declared type OID */
} SysColumn;

typedef struct SysGen SysGen;
typedef Error *(*SysGenFn)(SysGen *gen);

typedef struct SysView {
    uint32_t         oid;            /* PostgreSQL's OID of the relation */
    const char      *schema;         /* "pg_catalog" or "information_schema" */
    const char      *name;
    char             relkind;        /* PostgreSQL's relkind: 'r' catalog table, 'v' view */
    uint16_t         column_count;
    const SysColumn *columns;
    SysGenFn         generate;
} SysView;

/* One setting for pg_settings (what SHOW name prints). */
typedef struct SysSetting {
    const char *name;
    const char *value;
} SysSetting;

/* SysEnv: what a generator reads, supplied by the executor at execution time. */
typedef struct SysEnv {
    Catalog          *catalog;
    Txn              *txn;           /* the statement's transaction (its snapshot) */
    Arena            *arena;         /* rows and everything they point to */
    const char       *database;      /* current_database() */
    const char       *user;          /* current_user */
    int32_t           backend_pid;
    const char       *application_name;
    size_t            setting_count;
    const SysSetting *settings;      /* pg_settings: every session setting */
} SysEnv;

typedef enum SysValueKind {
    SYS_VALUE_NULL = 0,
    SYS_VALUE_INT,                   /* integers, OIDs, bool (0/1), timestamps (microseconds) */
    SYS_VALUE_FLOAT,
    SYS_VALUE_TEXT,                  /* text-like; regtype: int_value is the OID too */
    SYS_VALUE_INT_LIST,              /* int2vector, oidvector, int2[], oid[] */
    SYS_VALUE_TEXT_LIST,             /* text[], name[], "char"[] */
} SysValueKind;

typedef struct SysValue {
    uint8_t             kind;        /* SysValueKind */
    int64_t             int_value;
    double              float_value;
    const char         *text;        /* NUL-terminated */
    uint32_t            count;       /* list elements */
    const int64_t      *ints;
    const char *const  *texts;
} SysValue;

typedef struct SysRows {
    uint32_t  column_count;
    size_t    row_count;
    size_t    capacity;
    SysValue *cells;                 /* row_count * column_count, row-major */
} SysRows;

/* SysGen: a generator's state: the environment and the rows built so far. */
struct SysGen {
    const SysEnv  *env;
    const SysView *view;
    SysRows        rows;
    SysValue      *row;              /* the row being filled (sys_row_begin) */
};

/* ---- lookups ---- */

/* sysview_find: the system relation schema.name (schema "pg_catalog" or
 * "information_schema"); NULL if none. */
const SysView *sysview_find(const char *schema, const char *name);
/* sysview_find_oid: the system relation with PostgreSQL OID oid; NULL if none. */
const SysView *sysview_find_oid(uint32_t oid);
/* sysview_count / sysview_at: every system relation, in OID order (pg_class lists them). */
size_t         sysview_count(void);
const SysView *sysview_at(size_t idx);
/* sysview_resolve: the system relation a FROM-clause name (1 to 3 parts: [db.]schema.name)
 * denotes, given the session's search path (see the file comment); NULL if none. */
const SysView *sysview_resolve(const char *const *parts, size_t part_count,
                               const char *const *search_path, size_t search_path_count);
/* sysview_predefined_role: the name of PostgreSQL 15's predefined role oid (pg_authid lists
 * them: 6171 pg_database_owner owns schema public, 3373 pg_monitor ...), NULL if oid is not
 * one (the bootstrap superuser 10 is the catalog's). */
const char    *sysview_predefined_role(uint32_t oid);
/* sysview_column_type: the birch type of column col_idx (see the file comment). */
Type           sysview_column_type(const SysView *view, uint32_t col_idx);

/* sysview_plan_scan: a PLAN_SYSVIEW_SCAN of view producing every column (types from
 * sysview_column_type, names from the view), in arena. Errors: OUT_OF_MEMORY. */
Error         *sysview_plan_scan(Arena *arena, const SysView *view, Plan **plan_out);

/* ---- generation ---- */

/* sysview_generate: every row of view for env (rows and their strings in env->arena).
 * Errors: catalog and transaction errors; OUT_OF_MEMORY. */
Error *sysview_generate(const SysView *view, const SysEnv *env, SysRows *rows_out);

/* Row building for generators (sysview_*.c). sys_row_begin appends a row of NULLs; the
 * setters fill the column named `column` of the current row (a name the view lacks is a bug:
 * VERIFY). Text is not copied: it must live as long as env->arena (sys_strdup / sys_printf). */
Error *sys_row_begin(SysGen *gen);
void   sys_set_int(SysGen *gen, const char *column, int64_t value);
void   sys_set_bool(SysGen *gen, const char *column, bool value);
void   sys_set_float(SysGen *gen, const char *column, double value);
void   sys_set_text(SysGen *gen, const char *column, const char *text);
void   sys_set_char(SysGen *gen, const char *column, char letter);
void   sys_set_regtype(SysGen *gen, const char *column, uint32_t type_oid);
void   sys_set_ints(SysGen *gen, const char *column, const int64_t *values, uint32_t count);
void   sys_set_texts(SysGen *gen, const char *column, const char *const *values,
                     uint32_t count);
char  *sys_strdup(SysGen *gen, const char *text);
char  *sys_printf(SysGen *gen, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
