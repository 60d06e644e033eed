/* planner/tests/test_catalog.c: the catalog: bootstrap and reopen, CREATE/DROP/ALTER with
 * PostgreSQL's errors and default names, MVCC visibility of DDL, trees freed on rollback and
 * on committed DROP (bt_check_store finds no leaked page), foreign keys, sequences, row ids,
 * statistics, the CatTable cache under concurrent lookups, and recovery through a WAL. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/bytes.h"
#include "planner/catalog.h"
#include "planner/catalog_int.h"
#include "storage/key.h"
#include "txn/recov.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) {                                                        \
            ck_abort_msg("%s:%d: %s: %s %s", __FILE__, __LINE__, #expr,               \
                         sqlstate_code(err_ok_->state), err_ok_->message);            \
        }                                                                             \
    } while (0)
#define MUST(cond)                                                                    \
    do {                                                                              \
        if (!(cond)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);            \
    } while (0)
/* EXPECT_ERR: expr fails with state and, if message is not NULL, exactly that message. */
#define EXPECT_ERR(expr, state_name, want_message)                                         \
    do {                                                                              \
        Error *err_x_ = (expr);                                                       \
        if (err_x_ == NULL) ck_abort_msg("%s:%d: %s succeeded", __FILE__, __LINE__, #expr); \
        if (err_x_->state != SQLSTATE_##state_name) {                                 \
            ck_abort_msg("%s:%d: %s: %s %s", __FILE__, __LINE__, #expr,               \
                         sqlstate_code(err_x_->state), err_x_->message);              \
        }                                                                             \
        const char *want_ = (want_message);                                                \
        if (want_ != NULL && strcmp(err_x_->message, want_) != 0) {                   \
            ck_abort_msg("%s:%d: message \"%s\", want \"%s\"", __FILE__, __LINE__,    \
                         err_x_->message, want_);                                     \
        }                                                                             \
        err_free(err_x_);                                                             \
    } while (0)

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

/* ------------------------------------------------------------ database ---- */

typedef struct Db {
    Vfs        *vfs;
    Store      *store;
    TxnManager *manager;
    Catalog    *catalog;
    RecovDb    *recov;
    bool        wal;
} Db;

static void db_start(Db *db)
{
    if (db->wal) {
        RecovOptions options = {
            .store = {.vfs = db->vfs, .create = true, .pool_size = 8 << 20},
            .wal = {.capacity = 16 << 20},
            .undo_fn = txn_recov_undo,
        };
        RecovReport report;
        OK(recov_open("cat.birch", &options, &db->recov, &report));
        db->store = recov_store(db->recov);
        TxnOptions txn_options = {.wal = recov_wal(db->recov), .ckpt = recov_ckpt(db->recov),
                                  .next_xid_min = report.max_xid + 1};
        OK(txn_manager_open(db->store, &txn_options, &db->manager));
    } else {
        StoreOptions options = {.vfs = db->vfs, .pool_size = 8 << 20, .create = true};
        OK(store_open("cat.birch", &options, &db->store));
        OK(txn_manager_open(db->store, NULL, &db->manager));
    }
    OK(catalog_open(db->store, db->manager, &db->catalog));
    if (db->recov != NULL) catalog_set_wal(db->catalog, recov_wal(db->recov));
}

static void db_open(Db *db, bool wal)
{
    memset(db, 0, sizeof *db);
    db->vfs = vfs_fault_create(42);
    db->wal = wal;
    db_start(db);
}

static void db_stop(Db *db)
{
    catalog_close(db->catalog);
    OK(txn_manager_close(db->manager));
    if (db->recov != NULL) OK(recov_close(db->recov));
    else OK(store_close(db->store));
    db->recov = NULL;
}

static void db_reopen(Db *db)
{
    db_stop(db);
    db_start(db);
}

static void db_close(Db *db)
{
    db_stop(db);
    vfs_fault_destroy(db->vfs);
}

static Txn *begin(Db *db)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    return txn;
}

static void commit(Db *db, Txn *txn)
{
    catalog_txn_end(db->catalog, txn_xid(txn), true);
    OK(txn_commit(txn));
}

static void rollback(Db *db, Txn *txn)
{
    uint64_t xid = txn_xid(txn);
    OK(txn_rollback(txn));
    catalog_txn_end(db->catalog, xid, false);
}

/* check_store: every page is page 0, free, or in exactly one live tree (system trees plus
 * every table and index the catalog lists). */
static void check_store(Db *db)
{
    PageId roots[256];
    size_t count = 0;
    Catalog *catalog = db->catalog;
    roots[count++] = bt_root(catalog->rel_tree);
    roots[count++] = bt_root(catalog->name_tree);
    roots[count++] = bt_root(catalog->stats_tree);
    roots[count++] = bt_root(catalog->seq_tree);
    Txn *txn = begin(db);
    Arena *arena = arena_create(4096);
    const CatTable **tables = NULL;
    size_t table_count = 0;
    OK(catalog_list(catalog, txn, arena, &tables, &table_count));
    for (size_t idx = 0; idx < table_count; idx++) {
        if (tables[idx]->kind != CAT_KIND_TABLE && tables[idx]->kind != CAT_KIND_INDEX) continue;
        MUST(count < 256);
        roots[count++] = tables[idx]->root;
    }
    arena_destroy(arena);
    commit(db, txn);
    OK(bt_check_store(db->store, roots, count));
}

/* ------------------------------------------------------------ definitions ---- */

static const CatColumnDef item_columns[] = {
    {.name = "id", .type = {TYPE_INT4, -1}, .not_null = false},
    {.name = "name", .type = {TYPE_VARCHAR, 20 + 4}, .not_null = true},
    {.name = "price", .type = {TYPE_NUMERIC, ((10 << 16) | 2) + 4},
     .default_sql = "0.00"},
    {.name = "created", .type = {TYPE_TIMESTAMPTZ, -1}, .default_sql = "now()"},
    {.name = "flag", .type = {TYPE_BOOL, -1}},
    {.name = "span", .type = {TYPE_INTERVAL, -1}},
    {.name = "big", .type = {TYPE_INT8, -1}},
    {.name = "small", .type = {TYPE_INT2, -1}},
};
enum { ITEM_COLUMN_COUNT = 8 };

static uint32_t create_table(Db *db, Txn *txn, uint32_t namespace_oid, const char *name,
                             const CatConstraintDef *constraints, uint16_t constraint_count)
{
    CatTableDef def = {.namespace_oid = namespace_oid, .name = name,
                       .column_count = ITEM_COLUMN_COUNT, .columns = item_columns,
                       .constraint_count = constraint_count, .constraints = constraints};
    uint32_t oid = 0;
    OK(catalog_create_table(db->catalog, txn, &def, &oid));
    MUST(oid >= CAT_OID_FIRST_USER);
    return oid;
}

static const CatTable *lookup(Db *db, Txn *txn, const char *name)
{
    const CatTable *table = NULL;
    OK(catalog_lookup(db->catalog, txn, CAT_OID_PUBLIC, name, &table));
    return table;
}

static const CatTable *must_lookup(Db *db, Txn *txn, const char *name)
{
    const CatTable *table = lookup(db, txn, name);
    if (table == NULL) ck_abort_msg("relation %s not found", name);
    return table;
}

static const CatConstraint *find_constraint(const CatTable *table, const char *name)
{
    for (uint16_t idx = 0; idx < table->constraint_count; idx++) {
        if (strcmp(table->constraints[idx].name, name) == 0) return &table->constraints[idx];
    }
    return NULL;
}

static const CatIndex *find_index(const CatTable *table, const char *name)
{
    for (uint16_t idx = 0; idx < table->index_count; idx++) {
        if (strcmp(table->indexes[idx]->name, name) == 0) return table->indexes[idx];
    }
    return NULL;
}

static const int16_t attnum_1[] = {1};
static const int16_t attnum_2[] = {2};
static const int16_t attnum_3[] = {3};
static const int16_t attnums_2_3[] = {2, 3};

/* ------------------------------------------------------------ tests ---- */

START_TEST(test_cat_bootstrap_and_reopen)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = 0;
    OK(catalog_lookup_namespace(db.catalog, txn, "public", &oid));
    MUST(oid == CAT_OID_PUBLIC);
    OK(catalog_lookup_namespace(db.catalog, txn, "pg_catalog", &oid));
    MUST(oid == CAT_OID_PG_CATALOG);
    OK(catalog_lookup_namespace(db.catalog, txn, "information_schema", &oid));
    MUST(oid == CAT_OID_INFORMATION_SCHEMA);
    OK(catalog_lookup_namespace(db.catalog, txn, "nosuch", &oid));
    MUST(oid == 0);
    CatConstraintDef key = {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2};
    uint32_t table_oid = create_table(&db, txn, CAT_OID_PUBLIC, "items", &key, 1);
    commit(&db, txn);
    uint64_t generation = catalog_generation(db.catalog);
    db_reopen(&db);
    txn = begin(&db);
    const CatTable *table = must_lookup(&db, txn, "items");
    MUST(table->oid == table_oid);
    MUST(table->kind == CAT_KIND_TABLE);
    MUST(strcmp(table->namespace_name, "public") == 0);
    MUST(table->column_count == ITEM_COLUMN_COUNT);
    for (uint16_t idx = 0; idx < ITEM_COLUMN_COUNT; idx++) {
        const CatColumn *column = &table->columns[idx];
        MUST(strcmp(column->name, item_columns[idx].name) == 0);
        MUST(type_equal(column->type, item_columns[idx].type));
        MUST(column->attnum == idx + 1);
        MUST(!column->dropped);
        MUST(row_layout_kind(table->layout, idx) == catalog_row_kind(column->type));
    }
    MUST(table->columns[1].not_null);
    MUST(!table->columns[0].not_null);
    MUST(strcmp(table->columns[2].default_sql, "0.00") == 0);
    MUST(table->columns[4].default_sql == NULL);
    MUST(row_layout_kind(table->layout, 5) == ROW_KIND_FIXED16);
    MUST(row_layout_kind(table->layout, 1) == ROW_KIND_VAR);
    MUST(table->cluster_attnum == 0);
    MUST(table->fillfactor == 100);
    MUST(table->tree != NULL && bt_root(table->tree) == table->root);
    MUST(table->index_count == 1);
    MUST(strcmp(table->indexes[0]->name, "items_name_key") == 0);
    MUST(table->indexes[0]->unique && !table->indexes[0]->primary);
    MUST(table->indexes[0]->key_count == 1 && table->indexes[0]->attnums[0] == 2);
    /* The index is a relation of its own. */
    const CatTable *index = must_lookup(&db, txn, "items_name_key");
    MUST(index->kind == CAT_KIND_INDEX);
    MUST(index->indexes[0]->table_oid == table_oid);
    Arena *arena = arena_create(1024);
    const CatTable **tables = NULL;
    size_t count = 0;
    OK(catalog_list(db.catalog, txn, arena, &tables, &count));
    MUST(count == 5);   /* 3 schemas, the table, its index */
    for (size_t idx = 1; idx < count; idx++) MUST(tables[idx - 1]->oid < tables[idx]->oid);
    arena_destroy(arena);
    commit(&db, txn);
    MUST(catalog_generation(db.catalog) >= 1);
    (void)generation;
    /* OIDs are never reused after a reopen. */
    txn = begin(&db);
    uint32_t next = create_table(&db, txn, CAT_OID_PUBLIC, "items2", NULL, 0);
    MUST(next > table_oid && next > index->oid);
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_create_duplicate_drop)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    CatTableDef def = {.namespace_oid = CAT_OID_PUBLIC, .name = "t",
                       .column_count = ITEM_COLUMN_COUNT, .columns = item_columns};
    uint32_t other = 0;
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &def, &other), DUPLICATE_TABLE,
               "relation \"t\" already exists");
    CatColumnDef twice[2] = {{.name = "a", .type = {TYPE_INT4, -1}},
                             {.name = "a", .type = {TYPE_TEXT, -1}}};
    CatTableDef bad = {.namespace_oid = CAT_OID_PUBLIC, .name = "u", .column_count = 2,
                       .columns = twice};
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &bad, &other), DUPLICATE_COLUMN,
               "column \"a\" specified more than once");
    CatTableDef bad_schema = def;
    bad_schema.namespace_oid = 999999;
    bad_schema.name = "v";
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &bad_schema, &other), INVALID_SCHEMA_NAME,
               NULL);
    /* A name longer than 63 bytes is truncated, as PostgreSQL does. */
    char long_name[100];
    memset(long_name, 'x', 80);
    long_name[80] = 0;
    CatTableDef long_def = def;
    long_def.name = long_name;
    OK(catalog_create_table(db.catalog, txn, &long_def, &other));
    const CatTable *long_table = must_lookup(&db, txn, long_name);
    MUST(strlen(long_table->name) == CAT_NAME_SIZE_MAX);
    commit(&db, txn);
    txn = begin(&db);
    OK(catalog_drop(db.catalog, txn, oid, false));
    MUST(lookup(&db, txn, "t") == NULL);
    const CatTable *gone = NULL;
    OK(catalog_get(db.catalog, txn, oid, &gone));
    MUST(gone == NULL);
    EXPECT_ERR(catalog_drop(db.catalog, txn, oid, false), UNDEFINED_TABLE, NULL);
    /* The name is free again in the same transaction. */
    uint32_t again = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    MUST(again != oid);
    commit(&db, txn);
    txn = begin(&db);
    MUST(must_lookup(&db, txn, "t")->oid == again);
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_schemas_and_search_path)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t schema = 0;
    OK(catalog_create_namespace(db.catalog, txn, "s", &schema));
    MUST(schema >= CAT_OID_FIRST_USER);
    uint32_t dup = 0;
    EXPECT_ERR(catalog_create_namespace(db.catalog, txn, "s", &dup), DUPLICATE_SCHEMA,
               "schema \"s\" already exists");
    EXPECT_ERR(catalog_create_namespace(db.catalog, txn, "public", &dup), DUPLICATE_SCHEMA,
               "schema \"public\" already exists");
    uint32_t in_s = create_table(&db, txn, schema, "t", NULL, 0);
    uint32_t in_public = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    uint32_t in_catalog = create_table(&db, txn, CAT_OID_PG_CATALOG, "x", NULL, 0);
    uint32_t x_public = create_table(&db, txn, CAT_OID_PUBLIC, "x", NULL, 0);
    commit(&db, txn);
    txn = begin(&db);
    const CatTable *table = NULL;
    const char *path_s[] = {"s", "public"};
    OK(catalog_lookup_path(db.catalog, txn, path_s, 2, "t", &table));
    MUST(table != NULL && table->oid == in_s);
    MUST(strcmp(table->namespace_name, "s") == 0);
    const char *path_public[] = {"nosuch", "public", "s"};
    OK(catalog_lookup_path(db.catalog, txn, path_public, 3, "t", &table));
    MUST(table != NULL && table->oid == in_public);
    /* pg_catalog first unless listed. */
    OK(catalog_lookup_path(db.catalog, txn, path_public, 3, "x", &table));
    MUST(table != NULL && table->oid == in_catalog);
    const char *path_listed[] = {"public", "pg_catalog"};
    OK(catalog_lookup_path(db.catalog, txn, path_listed, 2, "x", &table));
    MUST(table != NULL && table->oid == x_public);
    OK(catalog_lookup_path(db.catalog, txn, path_listed, 2, "nosuch", &table));
    MUST(table == NULL);
    /* A non-empty schema needs CASCADE. */
    EXPECT_ERR(catalog_drop(db.catalog, txn, schema, false), DEPENDENT_OBJECTS_STILL_EXIST,
               "cannot drop schema s because other objects depend on it");
    EXPECT_ERR(catalog_drop(db.catalog, txn, CAT_OID_PG_CATALOG, true),
               DEPENDENT_OBJECTS_STILL_EXIST, NULL);
    OK(catalog_drop(db.catalog, txn, schema, true));
    OK(catalog_get(db.catalog, txn, in_s, &table));
    MUST(table == NULL);
    uint32_t oid = 0;
    OK(catalog_lookup_namespace(db.catalog, txn, "s", &oid));
    MUST(oid == 0);
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_ddl_visibility)
{
    Db db;
    db_open(&db, false);
    Txn *writer = begin(&db);
    Txn *reader = begin(&db);
    Txn *repeatable = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &repeatable));
    MUST(lookup(&db, repeatable, "t") == NULL);   /* takes its snapshot now */
    uint32_t oid = create_table(&db, writer, CAT_OID_PUBLIC, "t", NULL, 0);
    MUST(must_lookup(&db, writer, "t")->oid == oid);
    MUST(lookup(&db, reader, "t") == NULL);
    const CatTable *table = NULL;
    OK(catalog_get(db.catalog, reader, oid, &table));
    MUST(table == NULL);
    commit(&db, writer);
    OK(txn_statement_begin(reader));
    MUST(must_lookup(&db, reader, "t")->oid == oid);
    OK(txn_statement_begin(repeatable));
    MUST(lookup(&db, repeatable, "t") == NULL);
    commit(&db, reader);
    commit(&db, repeatable);
    /* An uncommitted ALTER is invisible to others; they keep the old definition. */
    writer = begin(&db);
    reader = begin(&db);
    const CatTable *before = must_lookup(&db, reader, "t");
    CatColumnDef extra = {.name = "extra", .type = {TYPE_TEXT, -1}};
    OK(catalog_add_column(db.catalog, writer, oid, &extra, NULL));
    MUST(must_lookup(&db, writer, "t")->column_count == ITEM_COLUMN_COUNT + 1);
    MUST(must_lookup(&db, reader, "t") == before);
    MUST(before->column_count == ITEM_COLUMN_COUNT);
    rollback(&db, writer);
    MUST(must_lookup(&db, reader, "t") == before);
    commit(&db, reader);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_rollback_drops_trees)
{
    Db db;
    db_open(&db, false);
    check_store(&db);
    uint64_t generation = catalog_generation(db.catalog);
    Txn *txn = begin(&db);
    CatConstraintDef keys[2] = {
        {.kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = attnum_2},
        {.kind = CAT_CONSTR_UNIQUE, .column_count = 2, .attnums = attnums_2_3},
    };
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", keys, 2);
    const CatTable *table = must_lookup(&db, txn, "t");
    MUST(table->index_count == 2);
    CatSequenceDef seq = {.namespace_oid = CAT_OID_PUBLIC, .name = "t_seq"};
    uint32_t seq_oid = 0;
    OK(catalog_create_sequence(db.catalog, txn, &seq, &seq_oid));
    /* Before the rollback the three new trees are not among the committed roots. */
    PageId roots[4] = {bt_root(db.catalog->rel_tree), bt_root(db.catalog->name_tree),
                       bt_root(db.catalog->stats_tree), bt_root(db.catalog->seq_tree)};
    Error *err = bt_check_store(db.store, roots, 4);
    MUST(err != NULL);
    err_free(err);
    rollback(&db, txn);
    MUST(catalog_generation(db.catalog) > generation);
    OK(bt_check_store(db.store, roots, 4));
    txn = begin(&db);
    MUST(lookup(&db, txn, "t") == NULL);
    MUST(lookup(&db, txn, "t_pkey") == NULL);
    const CatTable *gone = NULL;
    OK(catalog_get(db.catalog, txn, oid, &gone));
    MUST(gone == NULL);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_drop_and_truncate_free_trees)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatConstraintDef key = {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2};
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", &key, 1);
    commit(&db, txn);
    check_store(&db);
    txn = begin(&db);
    const CatTable *old = must_lookup(&db, txn, "t");
    PageId old_root = old->root;
    PageId old_index_root = old->indexes[0]->root;
    OK(catalog_truncate(db.catalog, txn, oid));
    const CatTable *fresh = must_lookup(&db, txn, "t");
    MUST(fresh != old);
    MUST(fresh->root != old_root);
    MUST(fresh->indexes[0]->root != old_index_root);
    MUST(fresh->version > old->version);
    commit(&db, txn);
    check_store(&db);   /* the old trees were freed at commit */
    uint32_t free_before = store_info(db.store).free_page_count;
    Txn *old_reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old_reader));
    const CatTable *seen = must_lookup(&db, old_reader, "t");
    txn = begin(&db);
    OK(catalog_drop(db.catalog, txn, oid, false));
    /* Not freed before the commit: the transaction may still roll back. */
    MUST(store_info(db.store).free_page_count == free_before);
    commit(&db, txn);
    /* Nor while a snapshot that still sees the table lives: it can read the tree. */
    MUST(must_lookup(&db, old_reader, "t") == seen);
    OK(bt_check(seen->tree, NULL));
    MUST(store_info(db.store).free_page_count == free_before);
    commit(&db, old_reader);
    txn = begin(&db);
    commit(&db, txn);   /* the next transaction end frees it */
    MUST(store_info(db.store).free_page_count >= free_before + 2);
    check_store(&db);
    txn = begin(&db);
    MUST(lookup(&db, txn, "t") == NULL);
    MUST(lookup(&db, txn, "t_name_key") == NULL);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_constraints_and_default_names)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatConstraintDef defs[4] = {
        {.kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = attnum_1},
        {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2},
        {.kind = CAT_CONSTR_CHECK, .column_count = 1, .attnums = attnum_3,
         .check_sql = "price > 0"},
        {.kind = CAT_CONSTR_UNIQUE, .column_count = 2, .attnums = attnums_2_3},
    };
    create_table(&db, txn, CAT_OID_PUBLIC, "t", defs, 4);
    const CatTable *table = must_lookup(&db, txn, "t");
    MUST(table->cluster_attnum == 1);   /* integer PK: clustered, no index */
    MUST(table->columns[0].not_null);
    const CatConstraint *pk = find_constraint(table, "t_pkey");
    MUST(pk != NULL && pk->kind == CAT_CONSTR_PRIMARY && pk->index_oid == 0);
    const CatConstraint *unique = find_constraint(table, "t_name_key");
    MUST(unique != NULL && unique->index_oid != 0);
    const CatConstraint *check = find_constraint(table, "t_price_check");
    MUST(check != NULL && strcmp(check->check_sql, "price > 0") == 0);
    MUST(find_constraint(table, "t_name_price_key") != NULL);
    MUST(table->index_count == 2);
    MUST(find_index(table, "t_name_key")->oid == unique->index_oid);
    /* CREATE INDEX default names: t_price_idx, then t_price_idx1. */
    CatIndexDef index = {.table_oid = table->oid, .key_count = 1, .attnums = attnum_3};
    uint32_t index_oid = 0;
    OK(catalog_create_index(db.catalog, txn, &index, &index_oid));
    OK(catalog_create_index(db.catalog, txn, &index, &index_oid));
    table = must_lookup(&db, txn, "t");
    MUST(find_index(table, "t_price_idx") != NULL);
    MUST(find_index(table, "t_price_idx1")->oid == index_oid);
    index.name = "t_price_idx";
    EXPECT_ERR(catalog_create_index(db.catalog, txn, &index, &index_oid), DUPLICATE_TABLE,
               "relation \"t_price_idx\" already exists");
    /* A second check on the same column: t_price_check1; a named duplicate: 42710. */
    CatConstraintDef check2 = {.kind = CAT_CONSTR_CHECK, .column_count = 1, .attnums = attnum_3,
                               .check_sql = "price < 100"};
    OK(catalog_add_constraint(db.catalog, txn, table->oid, &check2));
    table = must_lookup(&db, txn, "t");
    MUST(find_constraint(table, "t_price_check1") != NULL);
    check2.name = "t_price_check";
    EXPECT_ERR(catalog_add_constraint(db.catalog, txn, table->oid, &check2), DUPLICATE_OBJECT,
               "constraint \"t_price_check\" for relation \"t\" already exists");
    CatConstraintDef pk2 = {.kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = attnum_2};
    EXPECT_ERR(catalog_add_constraint(db.catalog, txn, table->oid, &pk2),
               INVALID_TABLE_DEFINITION, "multiple primary keys for table \"t\" are not allowed");
    /* An index that backs a constraint cannot be dropped on its own. */
    EXPECT_ERR(catalog_drop(db.catalog, txn, unique->index_oid, false),
               DEPENDENT_OBJECTS_STILL_EXIST, NULL);
    OK(catalog_drop_constraint(db.catalog, txn, table->oid, "t_name_key"));
    EXPECT_ERR(catalog_drop_constraint(db.catalog, txn, table->oid, "t_name_key"),
               UNDEFINED_OBJECT, "constraint \"t_name_key\" of relation \"t\" does not exist");
    table = must_lookup(&db, txn, "t");
    MUST(find_index(table, "t_name_key") == NULL);
    MUST(lookup(&db, txn, "t_name_key") == NULL);
    /* A text PK is a unique primary index; its column becomes NOT NULL. */
    CatConstraintDef text_pk = {.kind = CAT_CONSTR_PRIMARY, .column_count = 1,
                                .attnums = attnum_2};
    create_table(&db, txn, CAT_OID_PUBLIC, "u", &text_pk, 1);
    const CatTable *u = must_lookup(&db, txn, "u");
    MUST(u->cluster_attnum == 0);
    MUST(u->columns[1].not_null);
    const CatIndex *u_pkey = find_index(u, "u_pkey");
    MUST(u_pkey != NULL && u_pkey->primary && u_pkey->unique);
    MUST(find_constraint(u, "u_pkey")->index_oid == u_pkey->oid);
    EXPECT_ERR(catalog_set_not_null(db.catalog, txn, u->oid, 2, false), INVALID_TABLE_DEFINITION,
               "column \"name\" is in a primary key");
    CatConstraintDef two_pk[2] = {text_pk, text_pk};
    CatTableDef bad = {.namespace_oid = CAT_OID_PUBLIC, .name = "w",
                       .column_count = ITEM_COLUMN_COUNT, .columns = item_columns,
                       .constraint_count = 2, .constraints = two_pk};
    uint32_t oid = 0;
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &bad, &oid), INVALID_TABLE_DEFINITION,
               "multiple primary keys for table \"w\" are not allowed");
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_foreign_keys)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatConstraintDef parent_keys[2] = {
        {.kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = attnum_1},
        {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2},
    };
    uint32_t parent = create_table(&db, txn, CAT_OID_PUBLIC, "parent", parent_keys, 2);
    CatConstraintDef to_pk = {.kind = CAT_CONSTR_FOREIGN, .column_count = 1, .attnums = attnum_1,
                              .ref_table_oid = parent, .on_delete = CAT_FK_CASCADE,
                              .on_update = CAT_FK_NO_ACTION};
    uint32_t child = create_table(&db, txn, CAT_OID_PUBLIC, "child", &to_pk, 1);
    const CatTable *table = must_lookup(&db, txn, "child");
    const CatConstraint *fk = find_constraint(table, "child_id_fkey");
    MUST(fk != NULL && fk->ref_table_oid == parent);
    MUST(fk->ref_attnums != NULL && fk->ref_attnums[0] == 1);
    MUST(fk->on_delete == CAT_FK_CASCADE);
    CatConstraintDef to_unique = {.kind = CAT_CONSTR_FOREIGN, .column_count = 1,
                                  .attnums = attnum_2, .ref_table_oid = parent,
                                  .ref_attnums = attnum_2};
    uint32_t child2 = create_table(&db, txn, CAT_OID_PUBLIC, "child2", &to_unique, 1);
    CatConstraintDef to_plain = to_unique;
    to_plain.ref_attnums = attnum_3;
    uint32_t oid = 0;
    CatTableDef bad = {.namespace_oid = CAT_OID_PUBLIC, .name = "child3",
                       .column_count = ITEM_COLUMN_COUNT, .columns = item_columns,
                       .constraint_count = 1, .constraints = &to_plain};
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &bad, &oid), INVALID_FOREIGN_KEY,
               "there is no unique constraint matching given keys for referenced table "
               "\"parent\"");
    CatConstraintDef to_missing = to_pk;
    to_missing.ref_table_oid = 987654;
    bad.constraints = &to_missing;
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &bad, &oid), UNDEFINED_TABLE, NULL);
    /* Referencing a table without a primary key. */
    uint32_t plain = create_table(&db, txn, CAT_OID_PUBLIC, "plain", NULL, 0);
    CatConstraintDef to_plain_pk = to_pk;
    to_plain_pk.ref_table_oid = plain;
    bad.constraints = &to_plain_pk;
    EXPECT_ERR(catalog_create_table(db.catalog, txn, &bad, &oid), INVALID_FOREIGN_KEY,
               "there is no primary key for referenced table \"plain\"");
    /* Each failed CREATE left nothing behind (DDL calls are atomic). */
    MUST(lookup(&db, txn, "child3") == NULL);
    create_table(&db, txn, CAT_OID_PUBLIC, "child3", NULL, 0);
    /* Self reference: ref_table_oid 0. */
    CatConstraintDef self[2] = {
        {.kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = attnum_1},
        {.kind = CAT_CONSTR_FOREIGN, .column_count = 1, .attnums = attnum_1},
    };
    uint32_t tree = create_table(&db, txn, CAT_OID_PUBLIC, "tree", self, 2);
    const CatTable *tree_table = must_lookup(&db, txn, "tree");
    MUST(find_constraint(tree_table, "tree_id_fkey")->ref_table_oid == tree);
    MUST(tree_table->referenced_by_count == 1 && tree_table->referenced_by_table[0] == tree);
    commit(&db, txn);
    txn = begin(&db);
    const CatTable *parent_table = must_lookup(&db, txn, "parent");
    MUST(parent_table->referenced_by_count == 2);
    bool saw_child = false;
    bool saw_child2 = false;
    for (uint16_t idx = 0; idx < parent_table->referenced_by_count; idx++) {
        if (parent_table->referenced_by_table[idx] == child) {
            saw_child = strcmp(parent_table->referenced_by[idx]->name, "child_id_fkey") == 0;
        }
        if (parent_table->referenced_by_table[idx] == child2) saw_child2 = true;
    }
    MUST(saw_child && saw_child2);
    EXPECT_ERR(catalog_drop(db.catalog, txn, parent, false), DEPENDENT_OBJECTS_STILL_EXIST,
               "cannot drop table parent because other objects depend on it");
    EXPECT_ERR(catalog_drop_constraint(db.catalog, txn, parent, "parent_name_key"),
               DEPENDENT_OBJECTS_STILL_EXIST, NULL);
    EXPECT_ERR(catalog_drop_column(db.catalog, txn, parent, 2, false), DEPENDENT_OBJECTS_STILL_EXIST,
               "cannot drop column name of table parent because other objects depend on it");
    Error *detail_err = catalog_drop(db.catalog, txn, parent, false);
    MUST(detail_err != NULL && detail_err->detail != NULL);
    MUST(strcmp(detail_err->detail, "constraint child_id_fkey on table child depends on table "
                                    "parent") == 0 ||
         strcmp(detail_err->detail, "constraint child2_name_fkey on table child2 depends on "
                                    "table parent") == 0);
    err_free(detail_err);
    /* Dropping child2's FK takes child2 off parent's list. */
    OK(catalog_drop_constraint(db.catalog, txn, child2, "child2_name_fkey"));
    MUST(must_lookup(&db, txn, "parent")->referenced_by_count == 1);
    OK(catalog_drop(db.catalog, txn, parent, true));
    table = must_lookup(&db, txn, "child");
    MUST(find_constraint(table, "child_id_fkey") == NULL);
    OK(catalog_drop(db.catalog, txn, tree, false));   /* self-reference needs no CASCADE */
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_alter_columns_and_rename)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    create_table(&db, txn, CAT_OID_PUBLIC, "other", NULL, 0);
    commit(&db, txn);
    txn = begin(&db);
    const CatTable *before = must_lookup(&db, txn, "t");
    /* A record written before ADD COLUMN reads the constant default. */
    RowValue old_values[ITEM_COLUMN_COUNT];
    for (int idx = 0; idx < ITEM_COLUMN_COUNT; idx++) old_values[idx] = (RowValue){.is_null = true};
    size_t size = 0;
    OK(row_size(before->layout, old_values, &size));
    uint8_t *record = malloc(size);
    RowHeader header = {0};
    row_encode(before->layout, &header, old_values, record, size);
    uint8_t forty_two[4];
    enc_u32le(forty_two, 42);
    RowValue default_value = {.bytes = forty_two, .size = 4};
    CatColumnDef added = {.name = "qty", .type = {TYPE_INT4, -1}, .default_sql = "42"};
    OK(catalog_add_column(db.catalog, txn, oid, &added, &default_value));
    memset(forty_two, 0, sizeof forty_two);   /* the catalog kept its own copy */
    const CatTable *after = must_lookup(&db, txn, "t");
    MUST(after->column_count == ITEM_COLUMN_COUNT + 1);
    MUST(after->columns[ITEM_COLUMN_COUNT].attnum == ITEM_COLUMN_COUNT + 1);
    RowValue read;
    OK(row_column(after->layout, record, size, ITEM_COLUMN_COUNT, &read));
    MUST(!read.is_null && read.size == 4 && dec_u32le(read.bytes) == 42);
    EXPECT_ERR(catalog_add_column(db.catalog, txn, oid, &added, NULL), DUPLICATE_COLUMN,
               "column \"qty\" of relation \"t\" already exists");
    /* DROP COLUMN keeps the slot (and its kind); the attnum is never reused. */
    OK(catalog_drop_column(db.catalog, txn, oid, 2, false));
    after = must_lookup(&db, txn, "t");
    MUST(after->column_count == ITEM_COLUMN_COUNT + 1);
    MUST(after->columns[1].dropped);
    MUST(strcmp(after->columns[1].name, "........pg.dropped.2........") == 0);
    MUST(row_layout_kind(after->layout, 1) == ROW_KIND_VAR);
    EXPECT_ERR(catalog_drop_column(db.catalog, txn, oid, 2, false), UNDEFINED_COLUMN, NULL);
    EXPECT_ERR(catalog_drop_column(db.catalog, txn, oid, 99, false), UNDEFINED_COLUMN, NULL);
    CatColumnDef name_again = {.name = "name", .type = {TYPE_TEXT, -1}};
    OK(catalog_add_column(db.catalog, txn, oid, &name_again, NULL));
    after = must_lookup(&db, txn, "t");
    MUST(after->columns[ITEM_COLUMN_COUNT + 1].attnum == ITEM_COLUMN_COUNT + 2);
    /* RENAME COLUMN. */
    OK(catalog_rename_column(db.catalog, txn, oid, 1, "ident"));
    EXPECT_ERR(catalog_rename_column(db.catalog, txn, oid, 3, "ident"), DUPLICATE_COLUMN,
               "column \"ident\" of relation \"t\" already exists");
    EXPECT_ERR(catalog_rename_column(db.catalog, txn, oid, 2, "zzz"), UNDEFINED_COLUMN, NULL);
    /* Defaults, NOT NULL, fillfactor. */
    OK(catalog_set_column_default(db.catalog, txn, oid, 3, "1.50"));
    OK(catalog_set_not_null(db.catalog, txn, oid, 3, true));
    OK(catalog_set_fillfactor(db.catalog, txn, oid, 70));
    EXPECT_ERR(catalog_set_fillfactor(db.catalog, txn, oid, 5), INVALID_PARAMETER_VALUE, NULL);
    after = must_lookup(&db, txn, "t");
    MUST(strcmp(after->columns[0].name, "ident") == 0);
    MUST(strcmp(after->columns[2].default_sql, "1.50") == 0);
    MUST(after->columns[2].not_null);
    MUST(after->fillfactor == 70);
    /* RENAME TABLE. */
    EXPECT_ERR(catalog_rename(db.catalog, txn, oid, "other"), DUPLICATE_TABLE,
               "relation \"other\" already exists");
    OK(catalog_rename(db.catalog, txn, oid, "renamed"));
    MUST(lookup(&db, txn, "t") == NULL);
    MUST(must_lookup(&db, txn, "renamed")->oid == oid);
    commit(&db, txn);
    db_reopen(&db);
    txn = begin(&db);
    after = must_lookup(&db, txn, "renamed");
    MUST(after->columns[1].dropped);
    OK(row_column(after->layout, record, size, ITEM_COLUMN_COUNT, &read));
    MUST(!read.is_null && dec_u32le(read.bytes) == 42);
    OK(row_column(after->layout, record, size, ITEM_COLUMN_COUNT + 1, &read));
    MUST(read.is_null);
    commit(&db, txn);
    free(record);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_indexes_follow_columns)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    bool desc[2] = {true, false};
    CatIndexDef index = {.name = "t_multi", .table_oid = oid, .key_count = 2,
                         .attnums = attnums_2_3, .descending = desc};
    uint32_t index_oid = 0;
    OK(catalog_create_index(db.catalog, txn, &index, &index_oid));
    const CatTable *table = must_lookup(&db, txn, "t");
    const CatIndex *multi = find_index(table, "t_multi");
    MUST(multi != NULL && multi->descending[0] && multi->nulls_first[0]);
    MUST(!multi->descending[1] && !multi->nulls_first[1]);
    OK(catalog_rename(db.catalog, txn, index_oid, "t_multi2"));
    table = must_lookup(&db, txn, "t");
    MUST(find_index(table, "t_multi2") != NULL);
    OK(catalog_drop_column(db.catalog, txn, oid, 3, false));   /* takes the index with it */
    table = must_lookup(&db, txn, "t");
    MUST(table->index_count == 0);
    MUST(lookup(&db, txn, "t_multi2") == NULL);
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_views)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    const char *names[2] = {"a", "b"};
    Type types[2] = {{TYPE_INT4, -1}, {TYPE_TEXT, -1}};
    uint32_t oid = 0;
    OK(catalog_create_view(db.catalog, txn, CAT_OID_PUBLIC, "v", "SELECT 1, 'x'", 2, names,
                           types, false, &oid));
    const CatTable *view = must_lookup(&db, txn, "v");
    MUST(view->kind == CAT_KIND_VIEW && view->tree == NULL && view->root == 0);
    MUST(strcmp(view->view_sql, "SELECT 1, 'x'") == 0);
    MUST(strcmp(view->view_columns[1], "b") == 0 && view->columns[1].type.id == TYPE_TEXT);
    uint32_t again = 0;
    EXPECT_ERR(catalog_create_view(db.catalog, txn, CAT_OID_PUBLIC, "v", "SELECT 2", 1, names,
                                   types, false, &again), DUPLICATE_TABLE, NULL);
    /* OR REPLACE keeps the columns (PostgreSQL's rule): dropping or renaming one is 42P16 */
    EXPECT_ERR(catalog_create_view(db.catalog, txn, CAT_OID_PUBLIC, "v", "SELECT 2", 1, names,
                                   types, true, &again), INVALID_TABLE_DEFINITION,
               "cannot drop columns from view");
    const char *renamed[2] = {"a", "c"};
    EXPECT_ERR(catalog_create_view(db.catalog, txn, CAT_OID_PUBLIC, "v", "SELECT 2, 'y'", 2,
                                   renamed, types, true, &again), INVALID_TABLE_DEFINITION,
               NULL);
    OK(catalog_create_view(db.catalog, txn, CAT_OID_PUBLIC, "v", "SELECT 2, 'y'", 2, names,
                           types, true, &again));
    MUST(again == oid);
    MUST(strcmp(must_lookup(&db, txn, "v")->view_sql, "SELECT 2, 'y'") == 0);
    create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    EXPECT_ERR(catalog_create_view(db.catalog, txn, CAT_OID_PUBLIC, "t", "SELECT 2", 1, names,
                                   types, true, &again), WRONG_OBJECT_TYPE,
               "\"t\" is not a view");
    OK(catalog_drop(db.catalog, txn, oid, false));
    MUST(lookup(&db, txn, "v") == NULL);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

/* expect_detail: catalog_drop(oid) fails with 2BP01 and exactly detail (PostgreSQL's lines). */
static void expect_drop_detail(Db *db, Txn *txn, uint32_t oid, const char *message,
                               const char *detail)
{
    Error *err = catalog_drop(db->catalog, txn, oid, false);
    MUST(err != NULL && err->state == SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST);
    ck_assert_str_eq(err->message, message);
    MUST(err->detail != NULL && err->hint != NULL);
    ck_assert_str_eq(err->detail, detail);
    ck_assert_str_eq(err->hint, "Use DROP ... CASCADE to drop the dependent objects too.");
    err_free(err);
}

/* views record what they read (catalog_create_view_deps); drops of those relations and columns
 * are refused or cascade, in PostgreSQL's order, and the list survives a reopen */
START_TEST(test_cat_view_dependencies)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t table = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    const char *names[1] = {"a"};
    Type types[1] = {{TYPE_INT4, -1}};
    CatDepend on_id[2] = {{table, 0}, {table, 1}};
    CatDepend on_name[3] = {{table, 0}, {table, 2}, {table, 2}};   /* duplicates collapse */
    uint32_t v1 = 0, v2 = 0, v3 = 0, v4 = 0;
    OK(catalog_create_view_deps(db.catalog, txn, CAT_OID_PUBLIC, "v1", "SELECT id FROM t", 1,
                                names, types, 2, on_id, false, &v1));
    OK(catalog_create_view_deps(db.catalog, txn, CAT_OID_PUBLIC, "v2", "SELECT name FROM t", 1,
                                names, types, 3, on_name, false, &v2));
    CatDepend on_v2[1] = {{v2, 0}};
    OK(catalog_create_view_deps(db.catalog, txn, CAT_OID_PUBLIC, "v3", "SELECT a FROM v2", 1,
                                names, types, 1, on_v2, false, &v3));
    CatDepend on_both[2] = {{v1, 0}, {v2, 0}};
    OK(catalog_create_view_deps(db.catalog, txn, CAT_OID_PUBLIC, "v4", "SELECT 1", 1, names,
                                types, 2, on_both, false, &v4));
    MUST(must_lookup(&db, txn, "v2")->view_dep_count == 2);
    commit(&db, txn);
    db_reopen(&db);   /* the trailer is on disk */
    txn = begin(&db);
    const CatTable *view = must_lookup(&db, txn, "v2");
    MUST(view->view_dep_count == 2 && view->view_deps[1].ref_oid == table &&
         view->view_deps[1].ref_attnum == 2);
    MUST(must_lookup(&db, txn, "t")->view_dep_count == 0);
    Arena *arena = arena_create(4096);
    const CatTable **views = NULL;
    uint32_t *via = NULL;
    size_t count = 0;
    OK(catalog_view_dependents(db.catalog, txn, table, 0, arena, &views, &via, &count));
    MUST(count == 4);
    MUST(views[0]->oid == v1 && views[1]->oid == v2 && views[2]->oid == v3 &&
         views[3]->oid == v4);
    MUST(via[0] == table && via[1] == table && via[2] == v2 && via[3] == v2);
    OK(catalog_view_dependents(db.catalog, txn, table, 2, arena, &views, NULL, &count));
    MUST(count == 3 && views[0]->oid == v2);
    OK(catalog_view_dependents(db.catalog, txn, table, 3, arena, &views, NULL, &count));
    MUST(count == 0);
    arena_destroy(arena);
    expect_drop_detail(&db, txn, table, "cannot drop table t because other objects depend on it",
                       "view v1 depends on table t\nview v2 depends on table t\n"
                       "view v3 depends on view v2\nview v4 depends on view v2");
    expect_drop_detail(&db, txn, v2, "cannot drop view v2 because other objects depend on it",
                       "view v3 depends on view v2\nview v4 depends on view v2");
    Error *err = catalog_drop_column(db.catalog, txn, table, 2, false);
    MUST(err != NULL && err->state == SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST && err->detail);
    ck_assert_str_eq(err->message,
                     "cannot drop column name of table t because other objects depend on it");
    ck_assert_str_eq(err->detail, "view v2 depends on column name of table t\n"
                                  "view v3 depends on view v2\nview v4 depends on view v2");
    err_free(err);
    OK(catalog_drop_column(db.catalog, txn, table, 3, false));   /* price: nobody reads it */
    /* CASCADE on the column takes v2 and everything over it, and nothing else */
    OK(catalog_drop_column(db.catalog, txn, table, 2, true));
    MUST(lookup(&db, txn, "v2") == NULL && lookup(&db, txn, "v3") == NULL &&
         lookup(&db, txn, "v4") == NULL && lookup(&db, txn, "v1") != NULL);
    rollback(&db, txn);
    txn = begin(&db);
    MUST(lookup(&db, txn, "v4") != NULL);
    /* a leaf view drops freely; CASCADE on the table takes the rest */
    OK(catalog_drop(db.catalog, txn, v4, false));
    OK(catalog_drop(db.catalog, txn, table, true));
    MUST(lookup(&db, txn, "t") == NULL && lookup(&db, txn, "v1") == NULL &&
         lookup(&db, txn, "v2") == NULL && lookup(&db, txn, "v3") == NULL);
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

static int64_t next_value(Db *db, const CatTable *seq)
{
    int64_t value = 0;
    OK(catalog_sequence_next(db->catalog, seq, &value));
    return value;
}

/* state_key_present: the sequence-state tree has a record under key. */
static bool state_key_present(Db *db, uint32_t key)
{
    uint8_t key_bytes[CAT_KEY_INT_SIZE];
    cat_int_key(key, key_bytes);
    BtBuf value = {0};
    bool found = false;
    OK(bt_get(db->catalog->seq_tree, key_bytes, sizeof key_bytes, &value, &found));
    bt_buf_free(&value);
    return found;
}

/* RESTART is transactional: a rollback (or to a savepoint) brings back the old state key and
 * deletes the new one, a commit deletes the old one once no snapshot can see the row naming
 * it; the key survives a reopen; DROP of a restarted sequence deletes its key. */
START_TEST(test_cat_sequence_restart)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatSequenceDef def = {.namespace_oid = CAT_OID_PUBLIC, .name = "s"};
    uint32_t oid = 0;
    OK(catalog_create_sequence(db.catalog, txn, &def, &oid));
    MUST(next_value(&db, must_lookup(&db, txn, "s")) == 1);
    commit(&db, txn);
    MUST(state_key_present(&db, oid));

    txn = begin(&db);
    OK(catalog_sequence_restart(db.catalog, txn, oid, false, 40));
    const CatTable *seq = must_lookup(&db, txn, "s");
    uint32_t new_key = seq->seq_state_key;
    MUST(new_key != oid && state_key_present(&db, new_key));
    MUST(next_value(&db, seq) == 40);
    rollback(&db, txn);
    MUST(!state_key_present(&db, new_key) && state_key_present(&db, oid));
    txn = begin(&db);
    seq = must_lookup(&db, txn, "s");
    MUST(seq->seq_state_key == oid && next_value(&db, seq) == 2);

    /* a savepoint undoes the restart; a second restart then commits */
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    OK(catalog_sequence_restart(db.catalog, txn, oid, false, 7));
    uint32_t undone_key = must_lookup(&db, txn, "s")->seq_state_key;
    OK(txn_rollback_to(txn, &savepoint));
    MUST(must_lookup(&db, txn, "s")->seq_state_key == oid);
    OK(catalog_sequence_restart(db.catalog, txn, oid, true, 0));
    EXPECT_ERR(catalog_sequence_restart(db.catalog, txn, oid, false, 0), INVALID_PARAMETER_VALUE,
               "RESTART value (0) cannot be less than MINVALUE (1)");
    seq = must_lookup(&db, txn, "s");
    new_key = seq->seq_state_key;
    MUST(next_value(&db, seq) == 1);
    /* a reader whose snapshot still sees the old row keeps the old key until it ends */
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    const CatTable *old_seq = must_lookup(&db, reader, "s");
    commit(&db, txn);
    MUST(!state_key_present(&db, undone_key) && state_key_present(&db, new_key));
    MUST(old_seq->seq_state_key == oid && next_value(&db, old_seq) == 3);
    commit(&db, reader);
    commit(&db, begin(&db));   /* a later transaction end frees what no snapshot sees */
    MUST(!state_key_present(&db, oid) && state_key_present(&db, new_key));

    db_reopen(&db);
    txn = begin(&db);
    seq = must_lookup(&db, txn, "s");
    MUST(seq->seq_state_key == new_key && next_value(&db, seq) == 2);
    OK(catalog_drop(db.catalog, txn, oid, false));
    commit(&db, txn);
    commit(&db, begin(&db));
    MUST(!state_key_present(&db, new_key));
    db_close(&db);
}
END_TEST

START_TEST(test_cat_sequences)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatSequenceDef def = {.namespace_oid = CAT_OID_PUBLIC, .name = "s"};
    uint32_t oid = 0;
    OK(catalog_create_sequence(db.catalog, txn, &def, &oid));
    uint32_t dup = 0;
    EXPECT_ERR(catalog_create_sequence(db.catalog, txn, &def, &dup), DUPLICATE_TABLE,
               "relation \"s\" already exists");
    const CatTable *seq = must_lookup(&db, txn, "s");
    MUST(seq->kind == CAT_KIND_SEQUENCE);
    MUST(next_value(&db, seq) == 1);
    MUST(next_value(&db, seq) == 2);
    commit(&db, txn);
    /* nextval is not rolled back. */
    txn = begin(&db);
    seq = must_lookup(&db, txn, "s");
    MUST(next_value(&db, seq) == 3);
    rollback(&db, txn);
    db_reopen(&db);
    txn = begin(&db);
    seq = must_lookup(&db, txn, "s");
    MUST(next_value(&db, seq) == 4);
    int64_t last = 0;
    bool is_called = false;
    CatSequenceDef state;
    OK(catalog_sequence_state(db.catalog, seq, &last, &is_called, &state));
    MUST(last == 4 && is_called);
    MUST(state.max_value == INT64_MAX && state.min_value == 1 && state.increment == 1);
    OK(catalog_sequence_set(db.catalog, seq, 10, true));
    MUST(next_value(&db, seq) == 11);
    OK(catalog_sequence_set(db.catalog, seq, 10, false));
    MUST(next_value(&db, seq) == 10);
    EXPECT_ERR(catalog_sequence_set(db.catalog, seq, 0, true), NUMERIC_VALUE_OUT_OF_RANGE,
               "setval: value 0 is out of bounds for sequence \"s\" (1..9223372036854775807)");
    /* Limits, cycle, descending, int2. */
    CatSequenceDef small = {.namespace_oid = CAT_OID_PUBLIC, .name = "small"};
    catalog_sequence_def_init(&small, type_plain(TYPE_INT2), 1);
    small.max_value = 3;
    OK(catalog_create_sequence(db.catalog, txn, &small, &oid));
    const CatTable *small_seq = must_lookup(&db, txn, "small");
    MUST(next_value(&db, small_seq) == 1 && next_value(&db, small_seq) == 2);
    MUST(next_value(&db, small_seq) == 3);
    int64_t value = 0;
    EXPECT_ERR(catalog_sequence_next(db.catalog, small_seq, &value),
               SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
               "nextval: reached maximum value of sequence \"small\" (3)");
    CatSequenceDef cycle = small;
    cycle.name = "cycle";
    cycle.cycle = true;
    cycle.min_value = 5;
    cycle.max_value = 6;
    cycle.start = 5;
    OK(catalog_create_sequence(db.catalog, txn, &cycle, &oid));
    const CatTable *cycle_seq = must_lookup(&db, txn, "cycle");
    MUST(next_value(&db, cycle_seq) == 5 && next_value(&db, cycle_seq) == 6);
    MUST(next_value(&db, cycle_seq) == 5);
    CatSequenceDef down = {.namespace_oid = CAT_OID_PUBLIC, .name = "down"};
    catalog_sequence_def_init(&down, type_plain(TYPE_INT4), -2);
    OK(catalog_create_sequence(db.catalog, txn, &down, &oid));
    const CatTable *down_seq = must_lookup(&db, txn, "down");
    MUST(next_value(&db, down_seq) == -1 && next_value(&db, down_seq) == -3);
    OK(catalog_sequence_set(db.catalog, down_seq, INT32_MIN, true));
    EXPECT_ERR(catalog_sequence_next(db.catalog, down_seq, &value),
               SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
               "nextval: reached minimum value of sequence \"down\" (-2147483648)");
    /* Bad definitions. */
    CatSequenceDef bad = small;
    bad.name = "bad";
    bad.min_value = 10;
    bad.max_value = 5;
    EXPECT_ERR(catalog_create_sequence(db.catalog, txn, &bad, &oid), INVALID_PARAMETER_VALUE,
               "MINVALUE (10) must be less than MAXVALUE (5)");
    bad = small;
    bad.name = "bad";
    bad.max_value = 100000;
    EXPECT_ERR(catalog_create_sequence(db.catalog, txn, &bad, &oid), INVALID_PARAMETER_VALUE,
               "MAXVALUE (100000) is out of range for sequence data type smallint");
    bad = small;
    bad.name = "bad";
    bad.increment = 0;
    EXPECT_ERR(catalog_create_sequence(db.catalog, txn, &bad, &oid), INVALID_PARAMETER_VALUE,
               "INCREMENT must not be zero");
    commit(&db, txn);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_owned_sequence)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t table_oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    CatSequenceDef def = {.namespace_oid = CAT_OID_PUBLIC, .name = "t_id_seq",
                          .owner_table_oid = table_oid, .owner_attnum = 1};
    uint32_t seq_oid = 0;
    OK(catalog_create_sequence(db.catalog, txn, &def, &seq_oid));
    OK(catalog_set_column_default(db.catalog, txn, table_oid, 1,
                                  "nextval('public.t_id_seq'::regclass)"));
    commit(&db, txn);
    txn = begin(&db);
    EXPECT_ERR(catalog_drop(db.catalog, txn, seq_oid, false), DEPENDENT_OBJECTS_STILL_EXIST,
               "cannot drop sequence t_id_seq because other objects depend on it");
    OK(catalog_drop(db.catalog, txn, table_oid, false));   /* takes the sequence along */
    MUST(lookup(&db, txn, "t_id_seq") == NULL);
    commit(&db, txn);
    txn = begin(&db);
    table_oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    def.owner_table_oid = table_oid;
    OK(catalog_create_sequence(db.catalog, txn, &def, &seq_oid));
    OK(catalog_set_column_default(db.catalog, txn, table_oid, 1, "nextval('t_id_seq')"));
    OK(catalog_drop(db.catalog, txn, seq_oid, true));      /* CASCADE drops the default */
    MUST(must_lookup(&db, txn, "t")->columns[0].default_sql == NULL);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_rowid_across_reopen)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    commit(&db, txn);
    txn = begin(&db);
    const CatTable *table = must_lookup(&db, txn, "t");
    int64_t rowid = 0;
    OK(catalog_next_rowid(db.catalog, table, &rowid));
    MUST(rowid == 1);
    /* Rows with ids up to 1000 (as the executor would write them). */
    RowValue values[ITEM_COLUMN_COUNT];
    for (int idx = 0; idx < ITEM_COLUMN_COUNT; idx++) values[idx] = (RowValue){.is_null = true};
    size_t size = 0;
    OK(row_size(table->layout, values, &size));
    uint8_t record[256];
    MUST(size <= sizeof record);
    RowHeader header = {0};
    row_encode(table->layout, &header, values, record, size);
    for (int64_t id = 1; id <= 1000; id += 333) {
        uint8_t key[16];
        KeyBuf buf;
        key_buf_init(&buf, key, sizeof key);
        OK(key_append_int64(&buf, KEY_ASC, id));
        OK(txn_row_insert(txn, table->tree, key, buf.size, record, size));
    }
    OK(catalog_next_rowid(db.catalog, table, &rowid));
    MUST(rowid == 2);   /* the counter is in memory once started */
    commit(&db, txn);
    db_reopen(&db);
    txn = begin(&db);
    table = must_lookup(&db, txn, "t");
    OK(catalog_next_rowid(db.catalog, table, &rowid));
    MUST(rowid == 1000 + 1);
    OK(catalog_next_rowid(db.catalog, table, &rowid));
    MUST(rowid == 1000 + 2);
    const CatTable *schema = NULL;
    OK(catalog_get(db.catalog, txn, CAT_OID_PUBLIC, &schema));
    MUST(schema != NULL && schema->kind == CAT_KIND_SCHEMA);
    EXPECT_ERR(catalog_next_rowid(db.catalog, schema, &rowid), WRONG_OBJECT_TYPE, NULL);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_stats)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    Arena *arena = arena_create(1024);
    const CatTableStats *stats = NULL;
    OK(catalog_get_stats(db.catalog, txn, oid, arena, &stats));
    MUST(stats == NULL);
    const char *mcv[2] = {"a", "b"};
    double freqs[2] = {0.5, 0.25};
    const char *bounds[3] = {"1", "5", "9"};
    CatColumnStats columns[ITEM_COLUMN_COUNT] = {
        [0] = {.null_frac = 0.1, .distinct_count = -1.0, .histogram_count = 3,
               .histogram = bounds},
        [1] = {.distinct_count = 2, .mcv_count = 2, .mcv_values = mcv, .mcv_freqs = freqs},
    };
    CatTableStats set = {.row_count = 1234, .page_count = 7, .column_count = ITEM_COLUMN_COUNT,
                         .columns = columns};
    OK(catalog_set_stats(db.catalog, txn, oid, &set));
    commit(&db, txn);
    txn = begin(&db);
    set.row_count = 99;
    OK(catalog_set_stats(db.catalog, txn, oid, &set));
    rollback(&db, txn);
    txn = begin(&db);
    OK(catalog_get_stats(db.catalog, txn, oid, arena, &stats));
    MUST(stats != NULL && stats->row_count == 1234 && stats->page_count == 7);
    MUST(stats->column_count == ITEM_COLUMN_COUNT);
    MUST(stats->columns[0].distinct_count == -1.0 && stats->columns[0].histogram_count == 3);
    MUST(strcmp(stats->columns[0].histogram[2], "9") == 0);
    MUST(strcmp(stats->columns[1].mcv_values[1], "b") == 0);
    MUST(stats->columns[1].mcv_freqs[1] == 0.25);
    OK(catalog_drop(db.catalog, txn, oid, false));
    OK(catalog_get_stats(db.catalog, txn, oid, arena, &stats));
    MUST(stats == NULL);
    commit(&db, txn);
    arena_destroy(arena);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_cache_reuses_objects)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    commit(&db, txn);
    txn = begin(&db);
    const CatTable *first = must_lookup(&db, txn, "t");
    uint64_t decoded = atomic_load(&db.catalog->decode_count);
    for (int idx = 0; idx < 100; idx++) MUST(must_lookup(&db, txn, "t") == first);
    const CatTable *by_oid = NULL;
    OK(catalog_get(db.catalog, txn, oid, &by_oid));
    MUST(by_oid == first);
    MUST(atomic_load(&db.catalog->decode_count) == decoded);
    commit(&db, txn);
    uint64_t generation = catalog_generation(db.catalog);
    txn = begin(&db);
    OK(catalog_set_not_null(db.catalog, txn, oid, 1, true));
    const CatTable *changed = must_lookup(&db, txn, "t");
    MUST(changed != first && changed->version > first->version);
    MUST(changed->columns[0].not_null && !first->columns[0].not_null);   /* old one intact */
    commit(&db, txn);
    MUST(catalog_generation(db.catalog) > generation);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_savepoint_rollback)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatConstraintDef key = {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2};
    uint32_t keep = create_table(&db, txn, CAT_OID_PUBLIC, "keep", &key, 1);
    commit(&db, txn);
    txn = begin(&db);
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    create_table(&db, txn, CAT_OID_PUBLIC, "temp", &key, 1);
    OK(catalog_drop(db.catalog, txn, keep, false));
    MUST(lookup(&db, txn, "keep") == NULL);
    OK(txn_rollback_to(txn, &savepoint));
    MUST(lookup(&db, txn, "temp") == NULL);
    const CatTable *table = must_lookup(&db, txn, "keep");
    PageId old_root = table->root;
    /* A TRUNCATE after the savepoint stays. */
    OK(catalog_truncate(db.catalog, txn, keep));
    MUST(must_lookup(&db, txn, "keep")->root != old_root);
    commit(&db, txn);
    /* temp's trees were freed (not leaked), keep's were not freed by the undone DROP. */
    check_store(&db);
    txn = begin(&db);
    table = must_lookup(&db, txn, "keep");
    OK(bt_check(table->tree, NULL));
    OK(bt_check(table->indexes[0]->tree, NULL));
    commit(&db, txn);
    db_close(&db);
}
END_TEST

START_TEST(test_cat_corrupt_definitions_are_errors)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    CatConstraintDef defs[2] = {
        {.kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = attnum_2},
        {.kind = CAT_CONSTR_CHECK, .column_count = 1, .attnums = attnum_3, .check_sql = "x"},
    };
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", defs, 2);
    Arena *arena = arena_create(4096);
    CatRelDef def;
    uint64_t xid = 0;
    bool found = false;
    OK(cat_rel_read(db.catalog, txn, oid, arena, &def, &xid, &found));
    MUST(found && xid == txn_xid(txn) && def.constraint_count == 2);
    uint8_t *bytes = NULL;
    size_t size = 0;
    OK(cat_def_encode(&def, &bytes, &size));
    /* Every truncation of a valid definition is DATA_CORRUPTED, never a crash. */
    for (size_t prefix = 0; prefix < size; prefix++) {
        CatRelDef broken;
        EXPECT_ERR(cat_def_decode(bytes, prefix, arena, &broken), DATA_CORRUPTED, NULL);
    }
    bytes[0] = 99;   /* unknown format */
    EXPECT_ERR(cat_def_decode(bytes, size, arena, &def), DATA_CORRUPTED, NULL);
    free(bytes);
    uint8_t garbage[8] = {1, 2, 3};
    EXPECT_ERR(cat_rel_record_decode(db.catalog, garbage, sizeof garbage, arena, &def, &xid),
               DATA_CORRUPTED, NULL);
    arena_destroy(arena);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

typedef struct CreateRace {
    Db       *db;
    Error    *err;
} CreateRace;

static void *create_racer(void *arg)
{
    CreateRace *race = arg;
    Txn *txn = NULL;
    race->err = txn_begin(race->db->manager, TXN_READ_COMMITTED, &txn);
    if (race->err != NULL) return NULL;
    CatTableDef def = {.namespace_oid = CAT_OID_PUBLIC, .name = "x",
                       .column_count = ITEM_COLUMN_COUNT, .columns = item_columns};
    uint32_t oid = 0;
    race->err = catalog_create_table(race->db->catalog, txn, &def, &oid);
    uint64_t xid = txn_xid(txn);
    Error *err = txn_rollback(txn);
    if (err != NULL) err_free(err);
    catalog_txn_end(race->db->catalog, xid, false);
    return NULL;
}

START_TEST(test_cat_concurrent_create_same_name)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    create_table(&db, txn, CAT_OID_PUBLIC, "x", NULL, 0);
    /* The second creator waits for the first (its name row is in progress)... */
    CreateRace race = {.db = &db};
    pthread_t thread;
    MUST(pthread_create(&thread, NULL, create_racer, &race) == 0);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    commit(&db, txn);
    pthread_join(thread, NULL);
    /* ... and fails once it committed. */
    EXPECT_ERR(race.err, DUPLICATE_TABLE, "relation \"x\" already exists");
    check_store(&db);
    db_close(&db);
}
END_TEST

typedef struct RowidThread {
    Db             *db;
    const CatTable *table;
    int64_t        *out;
    int             count;
} RowidThread;

static void *rowid_thread(void *arg)
{
    RowidThread *work = arg;
    for (int idx = 0; idx < work->count; idx++) {
        Error *err = catalog_next_rowid(work->db->catalog, work->table, &work->out[idx]);
        if (err != NULL) {
            err_free(err);
            work->out[idx] = -1;
        }
    }
    return NULL;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t left = *(const int64_t *)a;
    int64_t right = *(const int64_t *)b;
    return (left > right) - (left < right);
}

START_TEST(test_cat_concurrent_rowids_unique)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    const CatTable *table = must_lookup(&db, txn, "t");
    commit(&db, txn);
    enum { THREAD_COUNT = 4 };
    int per_thread = (int)(20000 * test_scale());
    int64_t *all = calloc((size_t)per_thread * THREAD_COUNT, sizeof *all);
    RowidThread works[THREAD_COUNT];
    pthread_t threads[THREAD_COUNT];
    for (int idx = 0; idx < THREAD_COUNT; idx++) {
        works[idx] = (RowidThread){&db, table, all + (size_t)idx * per_thread, per_thread};
        MUST(pthread_create(&threads[idx], NULL, rowid_thread, &works[idx]) == 0);
    }
    for (int idx = 0; idx < THREAD_COUNT; idx++) pthread_join(threads[idx], NULL);
    size_t total = (size_t)per_thread * THREAD_COUNT;
    qsort(all, total, sizeof *all, compare_int64);
    for (size_t idx = 0; idx < total; idx++) MUST(all[idx] == (int64_t)idx + 1);
    free(all);
    db_close(&db);
}
END_TEST

typedef struct AlterReader {
    Db      *db;
    uint32_t oid;
    int      rounds;
    int      failures;
} AlterReader;

/* alter_reader: a table under concurrent ALTER keeps a consistent definition per snapshot
 * and its version never goes back. */
static void *alter_reader(void *arg)
{
    AlterReader *work = arg;
    uint64_t last_version = 0;
    for (int round = 0; round < work->rounds; round++) {
        Txn *txn = NULL;
        Error *err = txn_begin(work->db->manager, TXN_READ_COMMITTED, &txn);
        if (err != NULL) {
            err_free(err);
            work->failures++;
            continue;
        }
        const CatTable *table = NULL;
        err = catalog_get(work->db->catalog, txn, work->oid, &table);
        if (err != NULL) {
            err_free(err);
            work->failures++;
        } else if (table == NULL || table->column_count != ITEM_COLUMN_COUNT ||
                   table->version < last_version) {
            work->failures++;
        } else {
            last_version = table->version;
        }
        err = txn_commit(txn);
        if (err != NULL) err_free(err);
    }
    return NULL;
}

START_TEST(test_cat_lookups_during_alter)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "t", NULL, 0);
    commit(&db, txn);
    enum { THREAD_COUNT = 3 };
    int rounds = (int)(3000 * test_scale());
    AlterReader works[THREAD_COUNT];
    pthread_t threads[THREAD_COUNT];
    for (int idx = 0; idx < THREAD_COUNT; idx++) {
        works[idx] = (AlterReader){&db, oid, rounds, 0};
        MUST(pthread_create(&threads[idx], NULL, alter_reader, &works[idx]) == 0);
    }
    int alter_count = (int)(300 * test_scale()) + 10;
    bool expected = false;
    for (int idx = 0; idx < alter_count; idx++) {
        txn = begin(&db);
        OK(catalog_set_not_null(db.catalog, txn, oid, 1, idx % 2 == 0));
        if (idx % 3 == 0) {
            rollback(&db, txn);
        } else {
            commit(&db, txn);
            expected = idx % 2 == 0;
        }
    }
    for (int idx = 0; idx < THREAD_COUNT; idx++) pthread_join(threads[idx], NULL);
    for (int idx = 0; idx < THREAD_COUNT; idx++) MUST(works[idx].failures == 0);
    /* Purge of the system trees leaves the newest definition intact. */
    OK(txn_purge_run(db.manager, NULL));
    txn = begin(&db);
    MUST(must_lookup(&db, txn, "t")->columns[0].not_null == expected);
    commit(&db, txn);
    check_store(&db);
    db_close(&db);
}
END_TEST

typedef struct LookupThread {
    Db            *db;
    const char    *names[4];
    const CatTable *expected[4];
    int            rounds;
    int            failures;
} LookupThread;

static void *lookup_thread(void *arg)
{
    LookupThread *work = arg;
    for (int round = 0; round < work->rounds; round++) {
        Txn *txn = NULL;
        Error *err = txn_begin(work->db->manager, TXN_READ_COMMITTED, &txn);
        if (err != NULL) {
            err_free(err);
            work->failures++;
            continue;
        }
        for (int idx = 0; idx < 4; idx++) {
            const CatTable *table = NULL;
            err = catalog_lookup(work->db->catalog, txn, CAT_OID_PUBLIC, work->names[idx],
                                 &table);
            if (err != NULL) err_free(err);
            if (err != NULL || table != work->expected[idx]) work->failures++;
        }
        err = txn_commit(txn);
        if (err != NULL) err_free(err);
    }
    return NULL;
}

START_TEST(test_cat_concurrent_lookups)
{
    Db db;
    db_open(&db, false);
    Txn *txn = begin(&db);
    LookupThread work = {.db = &db, .names = {"a", "b", "c", "d"}};
    CatConstraintDef key = {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2};
    for (int idx = 0; idx < 4; idx++) {
        create_table(&db, txn, CAT_OID_PUBLIC, work.names[idx], &key, 1);
    }
    commit(&db, txn);
    /* Cold cache: the threads race to build the same objects; all must agree on one. */
    enum { THREAD_COUNT = 4 };
    LookupThread works[THREAD_COUNT];
    pthread_t threads[THREAD_COUNT];
    int rounds = (int)(2000 * test_scale());
    if (rounds < 20) rounds = 20;
    txn = begin(&db);
    for (int idx = 0; idx < 4; idx++) work.expected[idx] = NULL;
    commit(&db, txn);
    for (int idx = 0; idx < THREAD_COUNT; idx++) {
        works[idx] = work;
        works[idx].rounds = 1;
        OK(pthread_create(&threads[idx], NULL, lookup_thread, &works[idx]) == 0 ? NULL
           : err_new(SQLSTATE_INTERNAL_ERROR, "pthread_create"));
    }
    for (int idx = 0; idx < THREAD_COUNT; idx++) pthread_join(threads[idx], NULL);
    txn = begin(&db);
    for (int idx = 0; idx < 4; idx++) work.expected[idx] = must_lookup(&db, txn, work.names[idx]);
    commit(&db, txn);
    uint64_t decoded = atomic_load(&db.catalog->decode_count);
    MUST(decoded >= 4);
    for (int idx = 0; idx < THREAD_COUNT; idx++) {
        works[idx] = work;
        works[idx].rounds = rounds;
        OK(pthread_create(&threads[idx], NULL, lookup_thread, &works[idx]) == 0 ? NULL
           : err_new(SQLSTATE_INTERNAL_ERROR, "pthread_create"));
    }
    for (int idx = 0; idx < THREAD_COUNT; idx++) pthread_join(threads[idx], NULL);
    for (int idx = 0; idx < THREAD_COUNT; idx++) MUST(works[idx].failures == 0);
    MUST(atomic_load(&db.catalog->decode_count) == decoded);   /* every lookup hit the cache */
    db_close(&db);
}
END_TEST

START_TEST(test_cat_wal_recovery)
{
    Db db;
    db_open(&db, true);
    Txn *txn = begin(&db);
    CatConstraintDef key = {.kind = CAT_CONSTR_UNIQUE, .column_count = 1, .attnums = attnum_2};
    uint32_t oid = create_table(&db, txn, CAT_OID_PUBLIC, "durable", &key, 1);
    CatSequenceDef def = {.namespace_oid = CAT_OID_PUBLIC, .name = "s"};
    uint32_t seq_oid = 0;
    OK(catalog_create_sequence(db.catalog, txn, &def, &seq_oid));
    commit(&db, txn);
    txn = begin(&db);
    const CatTable *seq = must_lookup(&db, txn, "s");
    MUST(next_value(&db, seq) == 1 && next_value(&db, seq) == 2);
    commit(&db, txn);
    /* With a WAL too, a rolled-back CREATE frees its trees. */
    txn = begin(&db);
    create_table(&db, txn, CAT_OID_PUBLIC, "rolled_back", &key, 1);
    rollback(&db, txn);
    check_store(&db);
    /* An uncommitted CREATE TABLE at the crash. */
    txn = begin(&db);
    create_table(&db, txn, CAT_OID_PUBLIC, "loser", NULL, 0);
    catalog_close(db.catalog);
    txn_manager_abandon(db.manager);
    recov_abandon(db.recov);
    db.recov = NULL;
    db_start(&db);
    txn = begin(&db);
    MUST(must_lookup(&db, txn, "durable")->oid == oid);
    MUST(must_lookup(&db, txn, "durable")->index_count == 1);
    MUST(lookup(&db, txn, "loser") == NULL);
    seq = must_lookup(&db, txn, "s");
    MUST(next_value(&db, seq) == 3);   /* nextval survived the crash (redo-only writes) */
    uint32_t next = create_table(&db, txn, CAT_OID_PUBLIC, "after", NULL, 0);
    MUST(next > oid);
    commit(&db, txn);
    db_reopen(&db);   /* a clean close and open */
    txn = begin(&db);
    MUST(must_lookup(&db, txn, "after")->oid == next);
    commit(&db, txn);
    db_close(&db);
}
END_TEST

static Suite *catalog_suite(void)
{
    Suite *suite = suite_create("catalog");
    TCase *tcase = tcase_create("catalog");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_cat_bootstrap_and_reopen);
    tcase_add_test(tcase, test_cat_create_duplicate_drop);
    tcase_add_test(tcase, test_cat_schemas_and_search_path);
    tcase_add_test(tcase, test_cat_ddl_visibility);
    tcase_add_test(tcase, test_cat_rollback_drops_trees);
    tcase_add_test(tcase, test_cat_drop_and_truncate_free_trees);
    tcase_add_test(tcase, test_cat_constraints_and_default_names);
    tcase_add_test(tcase, test_cat_foreign_keys);
    tcase_add_test(tcase, test_cat_alter_columns_and_rename);
    tcase_add_test(tcase, test_cat_indexes_follow_columns);
    tcase_add_test(tcase, test_cat_views);
    tcase_add_test(tcase, test_cat_sequences);
    tcase_add_test(tcase, test_cat_owned_sequence);
    tcase_add_test(tcase, test_cat_rowid_across_reopen);
    tcase_add_test(tcase, test_cat_stats);
    tcase_add_test(tcase, test_cat_cache_reuses_objects);
    tcase_add_test(tcase, test_cat_savepoint_rollback);
    tcase_add_test(tcase, test_cat_concurrent_lookups);
    tcase_add_test(tcase, test_cat_corrupt_definitions_are_errors);
    tcase_add_test(tcase, test_cat_concurrent_create_same_name);
    tcase_add_test(tcase, test_cat_concurrent_rowids_unique);
    tcase_add_test(tcase, test_cat_lookups_during_alter);
    tcase_add_test(tcase, test_cat_wal_recovery);
    tcase_add_test(tcase, test_cat_view_dependencies);
    tcase_add_test(tcase, test_cat_sequence_restart);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(catalog_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
