/* planner/catalog.h: the catalog: schemas, tables, indexes, views and sequences, stored in
 * system tables (B+ trees in the database file) and read and changed transactionally.
 *
 * Storage: one system tree `birch_rel` (its root in store root slot 0) maps a relation OID to
 * the whole definition of that relation serialized in one row record (storage/row.h header,
 * so txn/ MVCC applies: txn_row_insert/update/delete, visibility by snapshot), and one name
 * tree `birch_relname` maps (namespace OID, name) to the OID (also MVCC rows). Schemas are
 * relations of kind CAT_KIND_SCHEMA in the same trees (namespace 0). A DDL statement changes
 * rows of these trees in the caller's transaction, so DDL commits and rolls back with it.
 *
 * Reading: every lookup reads the trees through the transaction's snapshot (a transaction sees
 * its own uncommitted DDL; others do not), and returns an immutable CatTable built from the row
 * and cached by (OID, row version): repeated lookups of an unchanged relation cost two tree
 * probes and no decoding. CatTable objects live until catalog_close (they are never freed
 * earlier: a statement may hold one while another transaction replaces it).
 * catalog_generation() increases at every catalog change (at the change, so the changing
 * transaction's own prepared plans re-plan at once, and again at its commit or rollback): a
 * prepared plan that recorded the generation re-plans when it moved.
 *
 * Trees of user data: creating a table or index creates its B+ tree (bt_create) at once; if
 * the transaction rolls back the session calls catalog_txn_end(committed = false) and the trees
 * created by it are dropped; trees of relations dropped or truncated by a transaction are
 * freed by catalog_txn_end(committed = true) (their pages are never reused while the
 * transaction might roll back).
 *
 * Row keys of user tables: a table whose PRIMARY KEY is one column of type smallint, integer
 * or bigint is clustered on it (the row key is key_append_int64 of the value, ascending, the
 * same for all three widths); every other table gets a hidden 64-bit row id (key_append_int64
 * of catalog_next_rowid) and its primary key, if any, is a unique secondary index. Secondary
 * index entries are keyed (index columns encoded with storage/key.h, then the row key bytes);
 * the unique prefix is the index columns' bytes (NULLs never conflict: the executor skips the
 * unique check when a key column is NULL, as PostgreSQL does).
 *
 * Thread safety: every function may be called from several sessions at once.
 *
 * Invariants:
 * 1. Relation and schema OIDs are unique and never reused; user OIDs start at 16384.
 * 2. (namespace, name) is unique among committed relations of every kind but indexes and tables
 *    share one name space per schema, as in PostgreSQL (42P07 on a clash).
 * 3. A CatTable returned for a snapshot is exactly the committed-or-own definition of that
 *    snapshot; it never changes after it is returned.
 * 4. Column attnums are 1-based and never reused after DROP COLUMN (the column stays in
 *    `columns` with dropped = true, its row slot reads NULL).
 */
#ifndef BIRCH_PLANNER_CATALOG_H
#define BIRCH_PLANNER_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/types.h"
#include "storage/btree.h"
#include "storage/row.h"
#include "storage/store.h"
#include "txn/txn.h"

typedef struct Catalog Catalog;

enum {
    CAT_OID_PG_CATALOG = 11,          /* PostgreSQL's fixed OIDs of the built-in schemas */
    CAT_OID_PUBLIC = 2200,
    CAT_OID_INFORMATION_SCHEMA = 13000,
    CAT_OID_FIRST_USER = 16384,       /* PostgreSQL's FirstNormalObjectId */
    CAT_NAME_SIZE_MAX = 63,           /* NAMEDATALEN - 1: longer names are truncated */
    CAT_ATTNUM_ROWKEY = -1,           /* system "column": the row key bytes (bytea) */
    CAT_ATTNUM_XID = -2,              /* system "column": the row version's writer xid (int8) */
};

typedef enum CatKind {
    CAT_KIND_TABLE = 'r',
    CAT_KIND_INDEX = 'i',
    CAT_KIND_VIEW = 'v',
    CAT_KIND_SEQUENCE = 'S',
    CAT_KIND_SCHEMA = 'n',
} CatKind;

typedef enum CatFkAction {        /* pg_constraint.confdeltype letters */
    CAT_FK_NO_ACTION = 'a',
    CAT_FK_RESTRICT = 'r',
    CAT_FK_CASCADE = 'c',
    CAT_FK_SET_NULL = 'n',
    CAT_FK_SET_DEFAULT = 'd',
} CatFkAction;

typedef struct CatColumn {
    const char *name;
    Type        type;            /* with typmod: varchar(n), numeric(p,s) ... */
    int16_t     attnum;          /* 1-based; == index in CatTable.columns + 1 */
    bool        not_null;
    bool        dropped;
    char        identity;        /* 0, 'a' GENERATED ALWAYS, 'd' BY DEFAULT */
    const char *default_sql;     /* DEFAULT expression as SQL text (re-parsed by the binder);
                                  * SERIAL/IDENTITY: "nextval('schema.seq'::regclass)";
                                  * NULL if none */
} CatColumn;

typedef struct CatIndex {
    uint32_t     oid;
    const char  *name;
    uint32_t     table_oid;
    PageId       root;
    BTree       *tree;           /* open handle, shared (owned by the catalog) */
    bool         unique;
    bool         primary;
    uint16_t     key_count;
    const int16_t *attnums;      /* 1-based table attnums, key_count of them */
    const bool   *descending;    /* per key column */
    const bool   *nulls_first;   /* per key column (default: nulls_first == descending) */
} CatIndex;

typedef enum CatConstraintKind {   /* pg_constraint.contype letters */
    CAT_CONSTR_PRIMARY = 'p',
    CAT_CONSTR_UNIQUE = 'u',
    CAT_CONSTR_CHECK = 'c',
    CAT_CONSTR_FOREIGN = 'f',
} CatConstraintKind;

typedef struct CatConstraint {
    uint32_t       oid;
    const char    *name;          /* PostgreSQL's default names: t_pkey, t_a_key, t_a_check,
                                   * t_a_fkey */
    char           kind;          /* CatConstraintKind */
    uint16_t       column_count;
    const int16_t *attnums;       /* constrained columns */
    uint32_t       index_oid;     /* 'p', 'u': the index that enforces it */
    const char    *check_sql;     /* 'c': the expression as SQL text */
    uint32_t       ref_table_oid; /* 'f': the referenced table ... */
    const int16_t *ref_attnums;   /*      ... and its columns (a primary key or unique) */
    char           on_delete;     /* 'f': CatFkAction */
    char           on_update;
} CatConstraint;

/* CatDepend: one direct dependency of a view (pg_depend's refobjid / refobjsubid): the view's
 * query reads relation ref_oid (a table, view or sequence) and, with ref_attnum > 0, that
 * column of it. A view has one entry per relation it names (ref_attnum 0) and one per table
 * column its query references (SELECT * counts every column it expands to). */
typedef struct CatDepend {
    uint32_t ref_oid;
    int16_t  ref_attnum;           /* 0: the relation as a whole */
} CatDepend;

typedef struct CatTable {
    uint32_t        oid;
    uint32_t        namespace_oid;
    const char     *name;
    const char     *namespace_name;
    char            kind;              /* CatKind */
    uint16_t        column_count;      /* including dropped columns */
    const CatColumn *columns;
    const RowLayout *layout;           /* kinds from the column types (dropped: their kind) */
    PageId          root;              /* table / sequence tree; 0 for a view */
    BTree          *tree;              /* open handle (owned by the catalog); NULL for a view */
    int16_t         cluster_attnum;    /* > 0: row key = that integer column; 0: hidden row id */
    uint16_t        index_count;
    const CatIndex *const *indexes;    /* every index of the table */
    uint16_t        constraint_count;
    const CatConstraint *constraints;
    uint16_t        referenced_by_count;   /* FKs of other tables pointing at this one */
    const CatConstraint *const *referenced_by;
    const uint32_t *referenced_by_table;   /* the table oid owning referenced_by[i] */
    const char     *view_sql;          /* CAT_KIND_VIEW: the SELECT text */
    const char *const *view_columns;   /* CAT_KIND_VIEW: column names given, or NULL */
    int             fillfactor;        /* WITH (fillfactor = n): 10..100, default 100 */
    uint64_t        version;           /* changes whenever the definition changes */
    uint16_t        view_dep_count;    /* CAT_KIND_VIEW: what its query reads (CatDepend) */
    const CatDepend *view_deps;
    uint32_t        seq_state_key;     /* CAT_KIND_SEQUENCE: key of its state record */
} CatTable;

/* A table definition for catalog_create_table (the executor fills it from the AST). */
typedef struct CatColumnDef {
    const char *name;
    Type        type;
    bool        not_null;
    char        identity;       /* 0, 'a', 'd' */
    const char *default_sql;    /* NULL if none */
} CatColumnDef;

typedef struct CatConstraintDef {
    const char    *name;          /* NULL: the default name */
    char           kind;          /* CatConstraintKind */
    uint16_t       column_count;
    const int16_t *attnums;       /* 1-based */
    const char    *check_sql;
    uint32_t       ref_table_oid;
    const int16_t *ref_attnums;   /* NULL: the referenced table's primary key */
    char           on_delete;
    char           on_update;
} CatConstraintDef;

typedef struct CatTableDef {
    uint32_t            namespace_oid;
    const char         *name;
    uint16_t            column_count;
    const CatColumnDef *columns;
    uint16_t            constraint_count;
    const CatConstraintDef *constraints;  /* 'p' and 'u' create their unique index */
    int                 fillfactor;       /* 0: default */
} CatTableDef;

typedef struct CatIndexDef {
    const char    *name;          /* NULL: PostgreSQL's default name (t_a_idx, t_a_b_idx ...) */
    uint32_t       table_oid;
    bool           unique;
    bool           primary;
    uint16_t       key_count;
    const int16_t *attnums;
    const bool    *descending;
    const bool    *nulls_first;
} CatIndexDef;

/* Sequences: their state is not transactional (nextval is never rolled back, as in
 * PostgreSQL); it is written through an mtr (redo-logged) on every call. */
typedef struct CatSequenceDef {
    uint32_t    namespace_oid;
    const char *name;
    Type        type;             /* int2, int4 or int8 (AS type); default int8 */
    int64_t     start, increment, min_value, max_value, cache;
    bool        cycle;
    uint32_t    owner_table_oid;  /* OWNED BY (SERIAL): dropped with that table; 0 if none */
    int16_t     owner_attnum;
    uint32_t    state_key;        /* key of the state record; 0: the sequence's OID (a RESTART
                                   * writes the new state under a new key, see catalog_seq.c) */
} CatSequenceDef;

/* catalog_row_kind: how a column of type is stored in a row record (storage/row.h): bool
 * FIXED1; int2 FIXED2; int4, float4, date FIXED4; int8, float8, oid, time, timestamp,
 * timestamptz FIXED8; interval FIXED16 (DtInterval: int64 microseconds, int32 days, int32
 * months, little-endian); everything else VAR: text-like and bytea as their bytes, numeric as
 * numeric_serialize (common/numeric.h) whatever its typmod. Fixed values are little-endian. */
RowKind catalog_row_kind(Type type);

/* ---- lifecycle ---- */

/* catalog_open: the catalog of store. On a database without one (root slot 0 is 0) it creates
 * the system trees and the schemas pg_catalog, public and information_schema in a transaction
 * of its own. Pre: manager is open on store. Errors: tree and transaction errors. */
Error *catalog_open(Store *store, TxnManager *manager, Catalog **catalog_out);
/* catalog_close: close every tree handle, free every CatTable. Pre: no session uses it. */
void   catalog_close(Catalog *catalog);
uint64_t catalog_generation(const Catalog *catalog);
/* catalog_txn_end: the session ends transaction txn (before txn_commit / after txn_rollback,
 * with its xid): committed: free the trees of relations it dropped or truncated, bump the
 * generation if it changed the catalog; rolled back: drop the trees it created. Never fails
 * the transaction: a tree that cannot be freed is leaked (counted in the catalog's stats). */
void   catalog_txn_end(Catalog *catalog, uint64_t xid, bool committed);

/* ---- lookups (through txn's snapshot) ---- */

/* catalog_lookup_namespace: the schema OID of name; *oid_out 0 if there is none. */
Error *catalog_lookup_namespace(Catalog *catalog, Txn *txn, const char *name, uint32_t *oid_out);
/* catalog_lookup: the relation named name in schema namespace_oid; *table_out NULL if absent.
 * Errors: tree errors. */
Error *catalog_lookup(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                      const CatTable **table_out);
/* catalog_lookup_path: the first relation named name along search_path (schema names; a name
 * that is not a schema is skipped; pg_catalog is searched first unless listed). */
Error *catalog_lookup_path(Catalog *catalog, Txn *txn, const char *const *search_path,
                           size_t path_count, const char *name, const CatTable **table_out);
/* catalog_get: the relation with oid; *table_out NULL if absent. */
Error *catalog_get(Catalog *catalog, Txn *txn, uint32_t oid, const CatTable **table_out);
/* catalog_list: every relation visible to txn (schemas included), in OID order; *tables_out in
 * arena. For pg_catalog views and the shell's \d. */
Error *catalog_list(Catalog *catalog, Txn *txn, Arena *arena, const CatTable ***tables_out,
                    size_t *count_out);
/* catalog_index_table: the table an index belongs to (CatIndex.table_oid) via catalog_get. */

/* ---- DDL (in txn; the caller holds the right table lock) ---- */

/* catalog_create_table: a new table (and the unique indexes of its primary key and unique
 * constraints, empty). Errors: DUPLICATE_TABLE (42P07) `relation "t" already exists`;
 * DUPLICATE_COLUMN (42701) `column "a" specified more than once`; INVALID_TABLE_DEFINITION
 * (42P16) `multiple primary keys for table "t" are not allowed`; UNDEFINED_TABLE for a bad FK
 * reference; INVALID_FOREIGN_KEY (42830) `there is no unique constraint matching given keys for
 * referenced table "t"`; tree and transaction errors. */
Error *catalog_create_table(Catalog *catalog, Txn *txn, const CatTableDef *def,
                            uint32_t *oid_out);
/* catalog_create_index: a new, empty index (the executor fills it from the table's rows).
 * Errors: DUPLICATE_TABLE `relation "i" already exists`; tree and transaction errors. */
Error *catalog_create_index(Catalog *catalog, Txn *txn, const CatIndexDef *def,
                            uint32_t *oid_out);
/* catalog_create_view: a view with its SELECT text and output columns (names, types). */
Error *catalog_create_view(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                           const char *sql, uint16_t column_count, const char *const *names,
                           const Type *types, bool or_replace, uint32_t *oid_out);
/* catalog_create_view_deps: catalog_create_view recording the view's direct dependencies
 * (deps: dep_count entries, duplicates allowed; OR REPLACE replaces the old list). DROP of a
 * relation, and DROP COLUMN of a column, that a view depends on is then 2BP01 without CASCADE
 * (catalog_drop, catalog_drop_column); with CASCADE the dependent views are dropped too. */
Error *catalog_create_view_deps(Catalog *catalog, Txn *txn, uint32_t namespace_oid,
                                const char *name, const char *sql, uint16_t column_count,
                                const char *const *names, const Type *types, uint16_t dep_count,
                                const CatDepend *deps, bool or_replace, uint32_t *oid_out);
/* catalog_view_dependents: the views visible to txn that depend on relation oid (attnum > 0:
 * on that column of it), directly or through other views, each once, in the order
 * PostgreSQL's DETAIL lists them; (*via_out)[i] (via_out may be NULL) is the relation
 * views[i] was reached through (oid itself for a direct dependent). Dropping them in reverse
 * order drops every view before the views it depends on. Arrays in arena; CatTables owned by
 * the catalog. Errors: tree errors, OUT_OF_MEMORY. */
Error *catalog_view_dependents(Catalog *catalog, Txn *txn, uint32_t oid, int16_t attnum,
                               Arena *arena, const CatTable ***views_out, uint32_t **via_out,
                               size_t *count_out);
Error *catalog_create_sequence(Catalog *catalog, Txn *txn, const CatSequenceDef *def,
                               uint32_t *oid_out);
/* catalog_create_namespace: CREATE SCHEMA. Errors: DUPLICATE_SCHEMA (42P06). */
Error *catalog_create_namespace(Catalog *catalog, Txn *txn, const char *name, uint32_t *oid_out);
/* catalog_drop: drop relation oid (a table drops its indexes, constraints, owned sequences;
 * dropping a schema drops what it contains only with cascade, else DEPENDENT_OBJECTS_STILL_EXIST
 * (2BP01); a table referenced by another table's FK: 2BP01 without cascade, with cascade the FK
 * constraint is dropped; a relation a view depends on (catalog_create_view_deps): 2BP01
 * `cannot drop table t because other objects depend on it` with PostgreSQL's DETAIL and HINT
 * without cascade, with cascade the views are dropped first, recursively). */
Error *catalog_drop(Catalog *catalog, Txn *txn, uint32_t oid, bool cascade);
/* catalog_truncate: give the table (and its indexes) new empty trees; the old ones are freed
 * when txn commits. */
Error *catalog_truncate(Catalog *catalog, Txn *txn, uint32_t table_oid);
/* catalog_owned_sequences: the OIDs of the sequences owned by columns of table_oid (SERIAL,
 * IDENTITY, OWNED BY), array in arena (may be NULL when *count_out is 0), for TRUNCATE ...
 * RESTART IDENTITY. Errors: UNDEFINED_TABLE, WRONG_OBJECT_TYPE, tree errors. */
Error *catalog_owned_sequences(Catalog *catalog, Txn *txn, uint32_t table_oid, Arena *arena,
                               uint32_t **oids_out, uint16_t *count_out);
/* ALTER TABLE pieces. Adding a column with a constant default stores it as the layout's missing
 * value (row_layout_set_missing) so old rows need no rewrite; default_value is that value in
 * the row format (NULL: none). Errors: DUPLICATE_COLUMN, UNDEFINED_COLUMN (42703),
 * DUPLICATE_TABLE for a rename onto an existing name. */
Error *catalog_add_column(Catalog *catalog, Txn *txn, uint32_t table_oid, const CatColumnDef *def,
                          const RowValue *default_value);
/* catalog_drop_column: a column a view depends on is 2BP01 `cannot drop column a of table t
 * because other objects depend on it` unless cascade, which drops those views first. */
Error *catalog_drop_column(Catalog *catalog, Txn *txn, uint32_t table_oid, int16_t attnum,
                           bool cascade);
Error *catalog_rename_column(Catalog *catalog, Txn *txn, uint32_t table_oid, int16_t attnum,
                             const char *new_name);
Error *catalog_rename(Catalog *catalog, Txn *txn, uint32_t oid, const char *new_name);
/* catalog_set_view_sql: replace view view_oid's query text (the same columns: the executor
 * rewrites the views under a renamed relation or column, planner.h plan_view_rename).
 * Errors: UNDEFINED_TABLE, WRONG_OBJECT_TYPE (not a view), tree errors. */
Error *catalog_set_view_sql(Catalog *catalog, Txn *txn, uint32_t view_oid, const char *sql);
Error *catalog_add_constraint(Catalog *catalog, Txn *txn, uint32_t table_oid,
                              const CatConstraintDef *def);
Error *catalog_drop_constraint(Catalog *catalog, Txn *txn, uint32_t table_oid, const char *name);
Error *catalog_set_column_default(Catalog *catalog, Txn *txn, uint32_t table_oid,
                                  int16_t attnum, const char *default_sql);
Error *catalog_set_not_null(Catalog *catalog, Txn *txn, uint32_t table_oid, int16_t attnum,
                            bool not_null);
Error *catalog_set_fillfactor(Catalog *catalog, Txn *txn, uint32_t table_oid, int fillfactor);

/* ---- row ids and sequences ---- */

/* catalog_next_rowid: the next hidden row id of table (an in-memory counter per table started
 * from the largest key in its tree on first use; never reused while the database is open, and
 * above every row id on disk after a reopen). */
Error *catalog_next_rowid(Catalog *catalog, const CatTable *table, int64_t *rowid_out);
/* catalog_sequence_next: nextval. Errors: SEQUENCE_GENERATOR_LIMIT_EXCEEDED (2200H) `nextval:
 * reached maximum value of sequence "s" (9223372036854775807)`. */
Error *catalog_sequence_next(Catalog *catalog, const CatTable *sequence, int64_t *value_out);
/* catalog_sequence_set: setval(seq, value, is_called). Errors: NUMERIC_VALUE_OUT_OF_RANGE
 * (22003) `setval: value 0 is out of bounds for sequence "s" (1..9223372036854775807)`. */
Error *catalog_sequence_set(Catalog *catalog, const CatTable *sequence, int64_t value,
                            bool is_called);
/* catalog_sequence_restart: ALTER SEQUENCE ... RESTART [WITH value] (use_start: the START
 * value) and TRUNCATE ... RESTART IDENTITY, in txn: the next nextval returns the value, and a
 * rollback of txn (or to an earlier savepoint) restores the state the sequence had (with the
 * nextvals done since). Atomic. Errors: INVALID_PARAMETER_VALUE (22023) `RESTART value (0)
 * cannot be less than MINVALUE (1)`, WRONG_OBJECT_TYPE, UNDEFINED_TABLE, tree errors. */
Error *catalog_sequence_restart(Catalog *catalog, Txn *txn, uint32_t oid, bool use_start,
                                int64_t value);
/* catalog_sequence_state: last value and is_called (for currval bookkeeping and \d). */
Error *catalog_sequence_state(Catalog *catalog, const CatTable *sequence, int64_t *last_out,
                              bool *is_called_out, CatSequenceDef *def_out);

/* ---- statistics (ANALYZE) ---- */

typedef struct CatColumnStats {
    double   null_frac;
    double   distinct_count;      /* > 0: absolute; < 0: a fraction of rows (PostgreSQL's
                                   * stadistinct convention) */
    uint16_t mcv_count;
    const char *const *mcv_values; /* text form */
    const double *mcv_freqs;
    uint16_t histogram_count;
    const char *const *histogram;  /* text form bounds */
} CatColumnStats;

typedef struct CatTableStats {
    double   row_count;
    uint64_t page_count;
    uint16_t column_count;         /* == table column_count; entries of dropped columns empty */
    const CatColumnStats *columns;
} CatTableStats;

/* catalog_set_stats / catalog_get_stats: ANALYZE's results, stored transactionally in the
 * catalog (a row per table in a statistics tree); *stats_out NULL when never analyzed. */
Error *catalog_set_stats(Catalog *catalog, Txn *txn, uint32_t table_oid,
                         const CatTableStats *stats);
Error *catalog_get_stats(Catalog *catalog, Txn *txn, uint32_t table_oid, Arena *arena,
                         const CatTableStats **stats_out);

/* ---- added by stats: what ANALYZE stores beyond CatTableStats (catalog_stats.c) ----
 * The statistics row of a table holds CatTableStats (as catalog_set_stats writes it, so
 * catalog_get_stats keeps working) followed by a trailer: per column the attnum and type it
 * was analyzed as, avg_width and correlation, and the table tree it was taken from. */
typedef struct CatStatsColumn {
    int16_t  attnum;          /* 0: this column has no statistics */
    uint32_t type_id;         /* the column's type when analyzed */
    int32_t  avg_width;       /* PostgreSQL's stawidth: average stored bytes of non-NULLs */
    double   correlation;     /* physical vs value order, -1..1; NaN when unknown */
} CatStatsColumn;

typedef struct CatStats {
    const CatTableStats  *base;      /* base->column_count entries, by column index */
    const CatStatsColumn *columns;   /* base->column_count entries */
    PageId                root;      /* the table tree analyzed (TRUNCATE gives a new one) */
} CatStats;

/* catalog_stats_store: replace table_oid's statistics row with stats in txn (MVCC: a
 * rollback restores the previous row). Errors: OUT_OF_MEMORY; txn_row_* errors. */
Error *catalog_stats_store(Catalog *catalog, Txn *txn, uint32_t table_oid, const CatStats *stats);
/* catalog_stats_load: the statistics row visible to txn, in arena; *stats_out NULL when the
 * table was never analyzed. A row written by catalog_set_stats (no trailer) loads with every
 * CatStatsColumn zero (attnum 0: no column statistics) and root 0.
 * Errors: DATA_CORRUPTED for a bad record. */
Error *catalog_stats_load(Catalog *catalog, Txn *txn, uint32_t table_oid, Arena *arena,
                          const CatStats **stats_out);
/* catalog_stats_column: the statistics of column col_idx of table when they are still valid
 * (same tree, same attnum and type, column not dropped), else NULL. */
const CatColumnStats *catalog_stats_column(const CatStats *stats, const CatTable *table,
                                           uint16_t col_idx, const CatStatsColumn **ext_out);
/* ---- end of stats' block ---- */

/* ---- added by catalog: conventions the header left open, and one helper ----
 * - A table clustered on its integer PRIMARY KEY (cluster_attnum > 0) has no index for that
 *   key: its CatConstraint 'p' has index_oid 0 (the table tree itself is unique on the key).
 *   Every other PRIMARY KEY / UNIQUE constraint has a unique CatIndex (primary marks the PK).
 *   ADD CONSTRAINT ... PRIMARY KEY on an existing table never clusters it (rows keep their
 *   row ids); the executor fills the new index, as after catalog_create_index.
 * - CatConstraintDef.ref_table_oid == 0 in catalog_create_table means "this table" (a
 *   self-referencing FK: the caller does not know the OID yet).
 * - CatSequenceDef with start, increment, min_value and max_value all 0 gets PostgreSQL's
 *   defaults for its type; otherwise the fields are taken as given (fill them with
 *   catalog_sequence_def_init first, then apply the statement's options). cache 0 means 1.
 * - Sequences share one state tree: CatTable.root/tree of a sequence name that tree (its
 *   values are not row records; never scan it as a table).
 * - Trees dropped or truncated away by a committed transaction are freed once no snapshot can
 *   still see the old definition (at a later catalog_txn_end, or catalog_close), so an older
 *   REPEATABLE READ snapshot keeps reading intact pages.
 * - catalog_get / catalog_lookup return indexes too (kind 'i': index_count 1, indexes[0] is
 *   the index itself, no columns) and schemas (kind 'n').
 */
/* catalog_sequence_def_init: PostgreSQL's defaults for a sequence of type (int2/int4/int8;
 * anything else is int8) and increment (0 means 1): MINVALUE, MAXVALUE, START, CACHE 1, NO
 * CYCLE. Name, namespace and owner are left as they are. */
void catalog_sequence_def_init(CatSequenceDef *def, Type type, int64_t increment);
/* catalog_set_wal: the durable database's WAL (recov_wal), if any: catalog_txn_end(committed)
 * then makes every sequence write made so far durable (nextval survives a crash once a later
 * commit is durable, as in PostgreSQL). Call once after catalog_open. */
void catalog_set_wal(Catalog *catalog, Wal *wal);
/* Each DDL function is atomic: on error it rolls back (txn_rollback_to) what it changed. */

/* ---- roles (pg_authid): added by the lead for issue 5; implemented in planner/catalog_role.c ----
 * Roles live in a system tree like relations, read and changed through MVCC rows, so CREATE ROLE
 * is transactional. A new database gets one role, the bootstrap superuser with OID 10, named
 * after the operating-system user that created the file (as initdb does; "birch" if unknown).
 * Role names share CAT_NAME_SIZE_MAX. Passwords are stored only as verifiers (common/pwhash.h):
 * "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" or "md5<32 hex>"; never clear text. */
enum { CAT_OID_BOOTSTRAP_ROLE = 10 };

typedef struct CatRole {
    uint32_t    oid;
    const char *name;
    bool        superuser;       /* rolsuper */
    bool        inherit;         /* rolinherit (default true) */
    bool        create_role;
    bool        create_db;
    bool        can_login;       /* CREATE USER: true; CREATE ROLE: false unless LOGIN */
    bool        replication;
    bool        bypass_rls;
    int32_t     conn_limit;      /* -1: no limit */
    const char *password;        /* verifier, or NULL */
    int64_t     valid_until;     /* timestamptz (microseconds since 2000-01-01); INT64_MAX: none */
    uint64_t    version;         /* changes whenever the row changes */
} CatRole;

/* catalog_role_lookup / catalog_role_get: the role by name / OID visible to txn; *role_out NULL
 * if absent. The CatRole is immutable and owned by the catalog. Errors: tree errors. */
Error *catalog_role_lookup(Catalog *catalog, Txn *txn, const char *name, const CatRole **role_out);
Error *catalog_role_get(Catalog *catalog, Txn *txn, uint32_t oid, const CatRole **role_out);
/* catalog_role_list: every role visible to txn in OID order (array in arena). */
Error *catalog_role_list(Catalog *catalog, Txn *txn, Arena *arena, const CatRole ***roles_out,
                         size_t *count_out);
/* catalog_role_create: a new role from def (oid and version ignored). Errors: DUPLICATE_OBJECT
 * (42710) `role "x" already exists`. */
Error *catalog_role_create(Catalog *catalog, Txn *txn, const CatRole *def, uint32_t *oid_out);
/* catalog_role_update: replace every attribute of role def->oid (ALTER ROLE; the name too, for
 * RENAME). Errors: 42704 `role "x" does not exist`, 42710 for a rename onto another role. */
Error *catalog_role_update(Catalog *catalog, Txn *txn, const CatRole *def);
/* catalog_role_drop: remove the role. Errors: 42704 if absent; the bootstrap role (OID 10)
 * owns every object, so dropping it gives 2BP01 `role "x" cannot be dropped because some objects
 * depend on it`. (55006 "current user cannot be dropped" is the caller's check.) */
Error *catalog_role_drop(Catalog *catalog, Txn *txn, uint32_t oid);


#endif
