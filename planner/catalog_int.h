/* planner/catalog_int.h: the catalog's internals, shared by planner/catalog*.c and their test.
 *
 * On disk (all integers little-endian unless key-encoded):
 * - birch_rel (root in store slot 0): key key_append_int64(oid); value a row record (row.h)
 *   with columns [kind FIXED1, namespace FIXED8, version FIXED8, definition VAR]; the
 *   definition is CatRelDef serialized by cat_def_encode (format version byte first).
 *   OIDs 1..3 are the roots of the other system trees (birch_relname, birch_stats and the
 *   sequence-state tree): rows of kind 'r' in pg_catalog that catalog_get/catalog_list skip.
 * - birch_relname: key (int64 namespace, text name); value a row record [oid FIXED8].
 * - birch_stats: key int64(table oid); value a row record [serialized CatTableStats VAR].
 * - sequence state (not MVCC, written with bt_* directly, redo-only): key int64(oid) ->
 *   CAT_SEQ_STATE_SIZE bytes (last, is_called, the parameters); key int64(0) -> u32 the OID
 *   ceiling (every OID handed out is below it, so a reopen never reuses one).
 */
#ifndef BIRCH_PLANNER_CATALOG_INT_H
#define BIRCH_PLANNER_CATALOG_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "common/arena.h"
#include "planner/catalog.h"

enum {
    CAT_SYS_OID_RELNAME = 1,
    CAT_SYS_OID_STATS = 2,
    CAT_SYS_OID_SEQSTATE = 3,
    CAT_SYS_OID_LIMIT = 10,        /* birch_rel OIDs below this are system-tree rows */
    CAT_REL_COL_KIND = 0,
    CAT_REL_COL_NAMESPACE = 1,
    CAT_REL_COL_VERSION = 2,
    CAT_REL_COL_DEF = 3,
    CAT_REL_COL_COUNT = 4,
    CAT_DEF_FORMAT = 1,
    CAT_DEF_TRAILER_DEPS = 'D',    /* optional section after the fixed part: view deps */
    CAT_DEF_TRAILER_SEQ_KEY = 'K', /* optional section: a sequence's state key if not its OID */
    CAT_OID_BATCH = 64,            /* OIDs reserved on disk ahead of use */
    CAT_SEQ_STATE_SIZE = 8 + 1 + 8 * 5 + 1 + 4,
    CAT_KEY_INT_SIZE = 9,          /* key_append_int64 */
    CAT_BUCKET_COUNT = 1024,
    CAT_MODIFY_RETRY_MAX = 16,     /* READ COMMITTED re-reads of a concurrently changed row */
};

/* CatRelDef: one birch_rel row decoded (mutable working copy for DDL; arrays in an arena). */
typedef struct CatRelDef {
    uint32_t    oid;
    uint32_t    namespace_oid;
    char        kind;
    uint64_t    version;
    const char *name;
    PageId      root;
    int16_t     cluster_attnum;
    int         fillfactor;
    uint16_t    column_count;
    CatColumn  *columns;
    RowValue   *missing;           /* per column: ADD COLUMN ... DEFAULT const (is_null: none) */
    bool       *has_missing;
    uint16_t    constraint_count;
    CatConstraint *constraints;
    uint16_t    index_count;
    uint32_t   *index_oids;
    uint16_t    refby_count;       /* tables whose FKs reference this one (distinct) */
    uint32_t   *refby_oids;
    uint16_t    owned_seq_count;   /* sequences OWNED BY a column of this table */
    uint32_t   *owned_seq_oids;
    const char *view_sql;
    uint16_t    dep_count;         /* kind 'v': CatDepend entries (encoded as an optional
                                    * trailer: records written before it decode with none) */
    CatDepend  *deps;
    /* kind 'i' */
    uint32_t    table_oid;
    bool        unique;
    bool        primary;
    uint16_t    key_count;
    int16_t    *key_attnums;
    bool       *key_descending;
    bool       *key_nulls_first;
    /* kind 'S' */
    CatSequenceDef seq;
} CatRelDef;

typedef struct CatCacheEntry {
    uint32_t  oid;
    uint64_t  xid;
    uint64_t  version;
    CatTable *table;
    Arena    *arena;
    struct CatCacheEntry *next;
} CatCacheEntry;

typedef struct CatHandle {
    PageId    root;
    BTree    *tree;
    bool      registered;          /* with the purge of the transaction manager */
    struct CatHandle *next;
} CatHandle;

typedef struct CatRowid {
    uint32_t oid;
    _Atomic int64_t next;
    struct CatRowid *next_entry;
} CatRowid;

typedef struct CatRootEntry {
    PageId   root;
    uint32_t oid;                  /* the relation whose row names root */
} CatRootEntry;

typedef struct CatRootList {
    CatRootEntry *entries;
    size_t        count;
    size_t        capacity;
} CatRootList;

typedef struct CatOidList {
    uint32_t *oids;
    size_t    count;
    size_t    capacity;
} CatOidList;

/* CatSeqKeyList: sequence state keys (catalog_seq.c) a transaction created or replaced. */
typedef struct CatSeqKey {
    uint32_t oid;                  /* the sequence */
    uint32_t key;                  /* a key of its state record */
} CatSeqKey;
typedef struct CatSeqKeyList {
    CatSeqKey *entries;
    size_t     count;
    size_t     capacity;
} CatSeqKeyList;

/* CatDeferred: a tree dropped by committed transaction xid (or a sequence state record it
 * replaced), freed once every snapshot that might still see the relation is gone
 * (txn_manager_horizon() > xid). */
typedef struct CatDeferred {
    PageId   root;
    uint32_t seq_key;              /* nonzero: the state record under this key, not a tree */
    uint64_t xid;
    struct CatDeferred *next;
} CatDeferred;

typedef struct CatPending {
    uint64_t    xid;
    bool        changed;
    CatRootList created;
    CatRootList dropped;
    CatOidList  created_seqs;
    CatOidList  dropped_seqs;
    CatSeqKeyList created_seq_keys;   /* RESTART: new state keys (deleted at rollback) */
    CatSeqKeyList old_seq_keys;       /* keys a RESTART or DROP replaced */
    struct CatPending *next;
} CatPending;

struct Catalog {
    Store      *store;
    TxnManager *manager;
    BTree      *rel_tree;
    BTree      *name_tree;
    BTree      *stats_tree;
    BTree      *seq_tree;
    Arena      *arena;             /* layouts of the system trees */
    RowLayout  *rel_layout;
    RowLayout  *name_layout;
    RowLayout  *stats_layout;
    pthread_mutex_t mutex;         /* cache, handles, row ids, pending lists, OIDs */
    pthread_mutex_t seq_mutex;     /* sequence state read-modify-write */
    CatCacheEntry *cache[CAT_BUCKET_COUNT];
    CatHandle  *handles[CAT_BUCKET_COUNT];
    CatHandle  *retired;           /* handles of dropped trees, freed at close */
    CatRowid   *rowids[CAT_BUCKET_COUNT];
    CatPending *pending;
    CatDeferred *deferred;
    _Atomic uint64_t generation;
    uint32_t    next_oid;
    uint32_t    oid_ceiling;
    uint64_t    version_next;      /* row versions written in this run: unique, increasing */
    Wal        *wal;               /* catalog_set_wal: flushed for sequence writes */
    _Atomic uint64_t seq_lsn;      /* WAL insert LSN after the newest sequence write */
    _Atomic uint64_t leaked_tree_count;
    _Atomic uint64_t decode_count; /* CatTables built (tests: cache hits build none) */
};

/* ---- catalog_codec.c ---- */
void   cat_int_key(int64_t value, uint8_t out[CAT_KEY_INT_SIZE]);
Error *cat_name_key(uint32_t namespace_oid, const char *name, uint8_t *out, size_t *size_out);
/* cat_def_encode: def serialized into *bytes_out (malloc'd), the definition column. */
Error *cat_def_encode(const CatRelDef *def, uint8_t **bytes_out, size_t *size_out);
/* cat_def_decode: the definition column into def_out, arrays in arena. DATA_CORRUPTED. */
Error *cat_def_decode(const uint8_t *bytes, size_t size, Arena *arena, CatRelDef *def_out);
/* cat_def_copy: a deep copy of def in arena (for DDL edits). */
Error *cat_def_copy(const CatRelDef *def, Arena *arena, CatRelDef *copy_out);
/* cat_rel_record: the birch_rel row record of def (malloc'd). */
Error *cat_rel_record(Catalog *catalog, const CatRelDef *def, uint8_t **record_out,
                      size_t *size_out);
/* cat_rel_record_decode: a birch_rel record into def_out (header xid in *xid_out). */
Error *cat_rel_record_decode(Catalog *catalog, const uint8_t *record, size_t size, Arena *arena,
                             CatRelDef *def_out, uint64_t *xid_out);
/* cat_rel_record_version: the (xid, version) of a birch_rel record without decoding it. */
Error *cat_rel_record_version(Catalog *catalog, const uint8_t *record, size_t size,
                              uint64_t *xid_out, uint64_t *version_out);
Error *cat_stats_encode(const CatTableStats *stats, uint8_t **bytes_out, size_t *size_out);
Error *cat_stats_decode(const uint8_t *bytes, size_t size, Arena *arena,
                        const CatTableStats **stats_out);
void  *cat_arena_dup(Arena *arena, const void *bytes, size_t size);
const char *cat_arena_str(Arena *arena, const char *text);
Error *cat_oom(void);

/* ---- catalog.c ---- */
/* cat_rel_read: the version of oid's row visible to txn, decoded into def_out in arena;
 * *found_out false if none. *xid_out: its writer (the seen_xid of a later update). */
Error *cat_rel_read(Catalog *catalog, Txn *txn, uint32_t oid, Arena *arena,
                    CatRelDef *def_out, uint64_t *xid_out, bool *found_out);
Error *cat_rel_insert(Catalog *catalog, Txn *txn, const CatRelDef *def);
/* cat_rel_modify: read oid's visible row, apply edit to it (arrays may be replaced from arena),
 * write it back with version + 1; re-applies edit to the newest version when a concurrent
 * committed change is met (READ COMMITTED). */
typedef Error *CatEditFn(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def, void *ctx);
Error *cat_rel_modify(Catalog *catalog, Txn *txn, uint32_t oid, CatEditFn *edit, void *ctx);
Error *cat_rel_delete(Catalog *catalog, Txn *txn, uint32_t oid);
Error *cat_name_get(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                    uint32_t *oid_out);
/* cat_name_insert: DUPLICATE_TABLE (or DUPLICATE_SCHEMA for namespace 0) if taken. */
Error *cat_name_insert(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                       uint32_t oid);
Error *cat_name_delete(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name);
Error *cat_oid_alloc(Catalog *catalog, uint32_t *oid_out);
Error *cat_tree_handle(Catalog *catalog, PageId root, bool register_purge, BTree **tree_out);
/* cat_tree_create: a new tree, dropped again if txn rolls back. */
Error *cat_tree_create(Catalog *catalog, Txn *txn, uint32_t oid, PageId *root_out);
/* cat_pending_*: work for catalog_txn_end. At commit a dropped tree is freed only if oid's
 * newest row no longer names it, and a created tree only if it does not (so ROLLBACK TO
 * SAVEPOINT of a DDL statement neither frees a live tree nor leaks a new one). */
Error *cat_pending_drop_tree(Catalog *catalog, Txn *txn, uint32_t oid, PageId root);
/* cat_version_next: the version for a new row version of a relation whose current version is
 * old: above old and above every version written before in this run, so (OID, writer xid,
 * version) names one row version for ever, even after ROLLBACK TO SAVEPOINT. */
uint64_t cat_version_next(Catalog *catalog, uint64_t old);
Error *cat_pending_seq(Catalog *catalog, Txn *txn, uint32_t oid, bool created);
/* cat_pending_seq_key: state key of sequence oid was created (by a RESTART) or replaced (by a
 * RESTART or DROP). At rollback created keys are deleted; at commit a listed key oid's newest
 * live row does not name is deleted, a replaced one once no snapshot can see it (deferred). */
Error *cat_pending_seq_key(Catalog *catalog, Txn *txn, uint32_t oid, uint32_t key, bool created);
Error *cat_pending_changed(Catalog *catalog, Txn *txn);
/* cat_name_truncate: names longer than CAT_NAME_SIZE_MAX are cut (PostgreSQL truncates
 * identifiers to NAMEDATALEN - 1). */
const char *cat_name_truncate(Arena *arena, const char *name);

/* ---- catalog_ddl.c: helpers shared with catalog_alter.c ---- */
Arena *cat_ddl_arena(void);
/* cat_ddl_end: on err, roll txn back to savepoint (a DDL call is atomic); returns err. */
Error *cat_ddl_end(Txn *txn, const TxnSavepoint *savepoint, Error *err);
/* cat_read_rel / cat_read_table: oid's visible row (UNDEFINED_TABLE if none; read_table also
 * WRONG_OBJECT_TYPE if it is not a table); *xid_out its writer. */
Error *cat_read_rel(Catalog *catalog, Txn *txn, uint32_t oid, Arena *arena, CatRelDef *def,
                    uint64_t *xid_out);
Error *cat_read_table(Catalog *catalog, Txn *txn, uint32_t oid, Arena *arena, CatRelDef *def,
                      uint64_t *xid_out);
/* cat_table_write: def (read at writer xid) back with a new version (the caller holds the
 * relation's lock: a concurrent change is SERIALIZATION_FAILURE). */
Error *cat_table_write(Catalog *catalog, Txn *txn, CatRelDef *def, uint64_t xid);
Error *cat_oid_append(Arena *arena, uint32_t **oids, uint16_t *count, uint32_t oid);
void   cat_oid_remove(uint32_t *oids, uint16_t *count, uint32_t oid);
void   cat_constraint_remove_at(CatRelDef *def, uint16_t remove_idx);
bool   cat_attnums_contain(const int16_t *attnums, uint16_t count, int16_t attnum);
bool   cat_same_column_set(const int16_t *a, const int16_t *b, uint16_t count);
/* cat_column_check: UNDEFINED_COLUMN unless attnum is a live column of table. */
Error *cat_column_check(const CatRelDef *table, int16_t attnum);
int16_t cat_column_find(const CatRelDef *table, const char *name);
const CatConstraint *cat_constraint_find(const CatRelDef *table, const char *name,
                                         uint16_t *idx_out);
const CatConstraint *cat_primary_key(const CatRelDef *table);
/* cat_index_remove: delete an index relation of table (row, name; tree freed at commit). */
Error *cat_index_remove(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                        uint32_t index_oid);
CatEditFn cat_edit_refby_add;      /* ctx: const uint32_t *, a referencing table OID */
CatEditFn cat_edit_refby_remove;
/* cat_constraint_add: add cdef to the working copy table (names, index, resolved FK);
 * *ref_oid_out: another table whose refby list must gain table (0 if none). */
Error *cat_constraint_add(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                          const CatConstraintDef *cdef, uint32_t *ref_oid_out);

/* ---- catalog_seq.c ---- */
Error *cat_seq_state_create(Catalog *catalog, uint32_t oid, const CatSequenceDef *def);
void   cat_seq_state_delete(Catalog *catalog, uint32_t oid);
Error *cat_oid_ceiling_write(Catalog *catalog, uint32_t ceiling);
Error *cat_oid_ceiling_read(Catalog *catalog, uint32_t *ceiling_out);
/* cat_stats_row_put: make bytes table_oid's statistics row value in txn (insert or update;
 * catalog_set_stats and catalog_stats_store). Errors: OUT_OF_MEMORY, txn_row_* errors. */
Error *cat_stats_row_put(Catalog *catalog, Txn *txn, uint32_t table_oid, const uint8_t *bytes,
                         size_t bytes_size);
/* cat_stats_row_get: table_oid's statistics row visible to txn (*found_out false if none):
 * the record in *record_out (the caller frees it with bt_buf_free, found or not) and its value
 * pointing into it. Errors: DATA_CORRUPTED for a row without a value; tree errors. */
Error *cat_stats_row_get(Catalog *catalog, Txn *txn, uint32_t table_oid, BtBuf *record_out,
                         RowValue *value_out, bool *found_out);
/* cat_stats_delete: drop table_oid's statistics row in txn (DROP TABLE). */
Error *cat_stats_delete(Catalog *catalog, Txn *txn, uint32_t table_oid);

#endif
