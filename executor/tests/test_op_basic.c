/* executor/tests/test_op_basic.c: the basic operators over a real table: rows written with the
 * row codec through txn/ into a table and its indexes made by the catalog, read back by
 * sequential scans (system columns, pushed-down filters, MVCC visibility), index scans (the
 * clustered key and secondary indexes, equality and ranges, inclusive and exclusive ends,
 * NULLs excluded, DESC columns, backward scans, bounds from parameters with rescans), limit and
 * offset (with their errors), values, result, project, filter, EXPLAIN ANALYZE counters; row
 * codec round trips of every type with NULLs, and key order for every key type. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/op_int.h"
#include "executor/tests/kern_support.h"
#include "storage/file.h"

#define OK(expr)                                                                          \
    do {                                                                                  \
        Error *err_ok_ = (expr);                                                          \
        if (err_ok_ != NULL) {                                                            \
            ck_abort_msg("%s:%d: %s: %s %s", __FILE__, __LINE__, #expr,                   \
                         sqlstate_code(err_ok_->state), err_ok_->message);                \
        }                                                                                 \
    } while (0)

static void expect_err(Error *err, const char *code, const char *message)
{
    ck_assert_msg(err != NULL, "expected error %s", code != NULL ? code : "");
    if (code != NULL) {
        ck_assert_msg(strcmp(sqlstate_code(err->state), code) == 0, "got %s %s, want %s",
                      sqlstate_code(err->state), err->message, code);
    }
    if (message != NULL) ck_assert_str_eq(err->message, message);
    err_free(err);
}

/* ------------------------------------------------------------ database ---- */

enum { ROW_COUNT = 5000 };

typedef struct Db {
    Vfs        *vfs;
    Store      *store;
    TxnManager *manager;
    Catalog    *catalog;
    Txn        *txn;
} Db;

static Db db;
static ExecCtx ctx;

static void db_open(void)
{
    memset(&db, 0, sizeof db);
    db.vfs = vfs_fault_create(7);
    StoreOptions options = { .vfs = db.vfs, .pool_size = 16 << 20, .create = true };
    OK(store_open("exec.birch", &options, &db.store));
    OK(txn_manager_open(db.store, NULL, &db.manager));
    OK(catalog_open(db.store, db.manager, &db.catalog));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &db.txn));
}

static void db_close(void)
{
    if (db.txn != NULL) {
        uint64_t xid = txn_xid(db.txn);
        OK(txn_rollback(db.txn));
        catalog_txn_end(db.catalog, xid, false);
    }
    catalog_close(db.catalog);
    OK(txn_manager_close(db.manager));
    OK(store_close(db.store));
    vfs_fault_destroy(db.vfs);
}

static void setup(void)
{
    test_arena_setup();
    db_open();
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = test_arena;
    ctx.txn = db.txn;
    ctx.catalog = db.catalog;
}

static void teardown(void)
{
    db_close();
    test_arena_teardown();
}

static const CatTable *lookup(const char *name)
{
    const CatTable *table = NULL;
    OK(catalog_lookup(db.catalog, db.txn, CAT_OID_PUBLIC, name, &table));
    ck_assert_ptr_nonnull(table);
    return table;
}

/* row_vectors: one-row vectors of the table's column types from text values (NULL: NULL). */
static Vector *row_vectors(const CatTable *table, const char *const *texts)
{
    Vector *columns = arena_calloc(test_arena, table->column_count * sizeof(Vector));
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        Type type = table->columns[col_idx].type;
        Vector *vec = &columns[col_idx];
        if (texts[col_idx] == NULL) {
            vec_init(vec, type, test_arena);
            OK(vec_reserve(vec, 1));
            OK(vec_set_null(vec, 0));
            continue;
        }
        Vector *text = vec_of_strs(TYPE_TEXT, &texts[col_idx], 1);
        KernFn fn = NULL;
        OK(kern_cast_lookup(type_plain(TYPE_TEXT), type, &fn));
        if (fn == NULL) {
            *vec = *text;
            vec->type = type;
            continue;
        }
        vec_init(vec, type, test_arena);
        const Vector *args[1] = { text };
        OK(fn(&test_ctx, args, NULL, 1, vec));
    }
    return columns;
}

/* insert_row: one row given as text values (NULL: SQL NULL) through every index. */
static void insert_row_in(Txn *txn, const CatTable *table, const char *const *texts)
{
    Vector *columns = row_vectors(table, texts);
    uint8_t *record;
    size_t record_size;
    OK(rowcodec_encode(table, columns, 0, test_arena, &record, &record_size));
    uint8_t row_key_bytes[KEY_SIZE_MAX];
    KeyBuf row_key;
    key_buf_init(&row_key, row_key_bytes, sizeof row_key_bytes);
    OK(rowcodec_row_key(db.catalog, table, columns, 0, &row_key));
    OK(txn_row_insert(txn, table->tree, row_key.bytes, row_key.size, record, record_size));
    for (uint16_t idx = 0; idx < table->index_count; idx++) {
        const CatIndex *index = table->indexes[idx];
        uint8_t key_bytes[KEY_SIZE_MAX];
        KeyBuf key;
        key_buf_init(&key, key_bytes, sizeof key_bytes);
        size_t prefix;
        bool has_null;
        OK(rowcodec_index_key(index, columns, 0, row_key.bytes, row_key.size, &key, &prefix,
                              &has_null));
        OK(txn_index_insert(txn, index->tree, key.bytes, key.size,
                            index->unique && !has_null ? prefix : 0));
    }
}

static void insert_row(const CatTable *table, const char *const *texts)
{
    insert_row_in(db.txn, table, texts);
}

/* make_t: t(a int4 primary key, b text, c numeric(10,2), d float8) with an index on b and a
 * DESC index on d; ROW_COUNT rows: a = 1.., b = 'k%04d' (NULL every 7th), c = a * 1.25,
 * d = a / 2 (NULL every 11th). */
static const CatTable *make_t(void)
{
    int32_t typmod;
    OK(numeric_typmod_make(10, 2, &typmod));
    CatColumnDef columns[4] = {
        { .name = "a", .type = type_plain(TYPE_INT4), .not_null = true },
        { .name = "b", .type = type_plain(TYPE_TEXT) },
        { .name = "c", .type = type_make(TYPE_NUMERIC, typmod) },
        { .name = "d", .type = type_plain(TYPE_FLOAT8) },
    };
    int16_t pk_attnums[1] = { 1 };
    CatConstraintDef pk = { .kind = CAT_CONSTR_PRIMARY, .column_count = 1, .attnums = pk_attnums };
    CatTableDef def = { .namespace_oid = CAT_OID_PUBLIC, .name = "t", .column_count = 4,
                        .columns = columns, .constraint_count = 1, .constraints = &pk };
    uint32_t oid;
    OK(catalog_create_table(db.catalog, db.txn, &def, &oid));
    int16_t b_attnum[1] = { 2 };
    CatIndexDef b_index = { .name = "t_b", .table_oid = oid, .key_count = 1, .attnums = b_attnum };
    OK(catalog_create_index(db.catalog, db.txn, &b_index, &oid));
    int16_t d_attnum[1] = { 4 };
    bool desc[1] = { true };
    bool nulls_first[1] = { true };
    CatIndexDef d_index = { .name = "t_d", .table_oid = b_index.table_oid, .key_count = 1,
                            .attnums = d_attnum, .descending = desc, .nulls_first = nulls_first };
    OK(catalog_create_index(db.catalog, db.txn, &d_index, &oid));
    const CatTable *table = lookup("t");
    ck_assert_int_eq(table->cluster_attnum, 1);
    ck_assert_int_eq(table->index_count, 2);
    for (int row = 1; row <= ROW_COUNT; row++) {
        char a[16], b[16], c[32], d[32];
        snprintf(a, sizeof a, "%d", row);
        snprintf(b, sizeof b, "k%04d", row);
        snprintf(c, sizeof c, "%d.%02d", row * 5 / 4, (row * 125) % 100);
        snprintf(d, sizeof d, "%g", row / 2.0);
        const char *texts[4] = { a, row % 7 == 0 ? NULL : b, c, row % 11 == 0 ? NULL : d };
        insert_row(table, texts);
    }
    return table;
}

/* ------------------------------------------------------------ plans ---- */

static Type column_type(const CatTable *table, int16_t attnum)
{
    if (attnum == CAT_ATTNUM_ROWKEY) return type_plain(TYPE_BYTEA);
    if (attnum == CAT_ATTNUM_XID) return type_plain(TYPE_INT8);
    return table->columns[attnum - 1].type;
}

static Plan *plan_new(PlanKind kind, uint32_t column_count)
{
    Plan *plan = arena_calloc(test_arena, sizeof *plan);
    plan->kind = kind;
    plan->column_count = column_count;
    plan->types = arena_calloc(test_arena, (column_count > 0 ? column_count : 1) * sizeof(Type));
    plan->est_rows = 10;
    return plan;
}

static Plan *scan_plan(PlanKind kind, const CatTable *table, const int16_t *attnums,
                       uint32_t count)
{
    Plan *plan = plan_new(kind, count);
    plan->table = table;
    plan->scan_count = count;
    plan->scan_attnums = arena_alloc(test_arena, count * sizeof(int16_t));
    for (uint32_t idx = 0; idx < count; idx++) {
        plan->scan_attnums[idx] = attnums[idx];
        plan->types[idx] = column_type(table, attnums[idx]);
    }
    return plan;
}

static Plan *over(PlanKind kind, Plan *child)
{
    Plan *plan = plan_new(kind, child->column_count);
    memcpy(plan->types, child->types, child->column_count * sizeof(Type));
    plan->left = child;
    return plan;
}

static Expr *x_new(ExprKind kind, Type type)
{
    Expr *expr = arena_calloc(test_arena, sizeof *expr);
    expr->kind = kind;
    expr->type = type;
    return expr;
}

static Expr *x_col(uint32_t column_idx, Type type)
{
    Expr *expr = x_new(EXPR_COLUMN, type);
    expr->column_idx = column_idx;
    return expr;
}

static Expr *x_const(TypeId type, const char *text)
{
    Expr *expr = x_new(EXPR_CONST, type_plain(type));
    if (text == NULL) expr->is_null = true;
    expr->const_text = text;
    expr->const_size = text != NULL ? strlen(text) : 0;
    return expr;
}

static Expr *x_call(const char *name, Expr *a, Expr *b)
{
    Type types[2] = { a->type, b != NULL ? b->type : type_plain(TYPE_INVALID) };
    uint32_t count = b != NULL ? 2 : 1;
    PlanFunc func;
    OK(exec_resolver()->func(NULL, name, types, count, &func));
    Expr *expr = x_new(EXPR_CALL, func.result_type);
    expr->name = name;
    expr->kern = func.kern;
    expr->filter_kern = func.filter_kern;
    expr->arg_count = count;
    expr->args = arena_alloc(test_arena, 2 * sizeof(Expr *));
    expr->args[0] = a;
    expr->args[1] = b;
    return expr;
}

static Expr *x_and(Expr *a, Expr *b)
{
    Expr *expr = x_new(EXPR_AND, type_plain(TYPE_BOOL));
    expr->arg_count = 2;
    expr->args = arena_alloc(test_arena, 2 * sizeof(Expr *));
    expr->args[0] = a;
    expr->args[1] = b;
    return expr;
}

/* Result: rows of an executed plan as "v1|v2|..." strings. */
typedef struct Result {
    uint32_t     count;
    const char **rows;
} Result;

/* cell_text: a value as text (bytea in hex). */
static const char *cell_text(const Vector *vec, uint32_t row)
{
    if (vec->type.id != TYPE_BYTEA || vec_is_null(vec, row)) return row_text(vec, row);
    Vector *text = vec_new(type_plain(TYPE_TEXT));
    const Vector *args[1] = { vec };
    uint16_t sel[1] = { (uint16_t)row };
    OK(kern_cast_bytea_text(&test_ctx, args, sel, 1, text));
    return row_text(text, row);
}

static Error *run_op(Op *op, Result *result)
{
    memset(result, 0, sizeof *result);
    uint32_t capacity = 16;
    result->rows = arena_alloc(test_arena, capacity * sizeof(char *));
    for (;;) {
        DataChunk *chunk;
        TRY(exec_next(op, &chunk));
        if (chunk == NULL) return NULL;
        uint32_t live = chunk_live_count(chunk);
        for (uint32_t idx = 0; idx < live; idx++) {
            uint32_t row = chunk->sel != NULL ? chunk->sel[idx] : idx;
            char line[512] = "";
            size_t size = 0;
            for (uint32_t col = 0; col < chunk->column_count; col++) {
                size += (size_t)snprintf(line + size, sizeof line - size, "%s%s", col ? "|" : "",
                                         cell_text(&chunk->columns[col], row));
            }
            if (result->count == capacity) {
                const char **rows = arena_alloc(test_arena, capacity * 2 * sizeof(char *));
                memcpy(rows, result->rows, capacity * sizeof(char *));
                result->rows = rows;
                capacity *= 2;
            }
            result->rows[result->count++] = arena_strdup(test_arena, line);
        }
    }
}

/* run: build, open, drain, close; the error of any step. */
static Error *run(const Plan *plan, Result *result)
{
    Op *op;
    TRY(exec_build(&ctx, plan, &op));
    Error *err = exec_open(op);
    if (err == NULL) err = run_op(op, result);
    exec_close(op);
    return err;
}

static Result run_ok(const Plan *plan)
{
    Result result;
    OK(run(plan, &result));
    return result;
}

/* ------------------------------------------------------------ scans ---- */

START_TEST(test_op_seq_scan_reads_every_row)
{
    const CatTable *table = make_t();
    int16_t attnums[6] = { 1, 2, 3, 4, CAT_ATTNUM_ROWKEY, CAT_ATTNUM_XID };
    Plan *plan = scan_plan(PLAN_SEQ_SCAN, table, attnums, 6);
    plan->est_rows = 1;   /* the batch must grow past its first guess */
    Result result = run_ok(plan);
    ck_assert_uint_eq(result.count, ROW_COUNT);
    char xid[32];
    snprintf(xid, sizeof xid, "%llu", (unsigned long long)txn_xid(db.txn));
    char want[128];
    snprintf(want, sizeof want, "1|k0001|1.25|0.5|\\x028000000000000001|%s", xid);
    ck_assert_str_eq(result.rows[0], want);
    snprintf(want, sizeof want, "7|NULL|8.75|3.5|\\x028000000000000007|%s", xid);
    ck_assert_str_eq(result.rows[6], want);
    snprintf(want, sizeof want, "11|k0011|13.75|NULL|\\x02800000000000000b|%s", xid);
    ck_assert_str_eq(result.rows[10], want);
    snprintf(want, sizeof want, "5000|k5000|6250.00|2500|\\x028000000000001388|%s", xid);
    ck_assert_str_eq(result.rows[ROW_COUNT - 1], want);
    /* only some columns, in another order */
    int16_t two[2] = { 4, 1 };
    Result partial = run_ok(scan_plan(PLAN_SEQ_SCAN, table, two, 2));
    ck_assert_uint_eq(partial.count, ROW_COUNT);
    ck_assert_str_eq(partial.rows[1], "1|2");
}
END_TEST

START_TEST(test_op_seq_scan_filter_and_visibility)
{
    const CatTable *table = make_t();
    int16_t attnums[2] = { 1, 2 };
    Plan *plan = scan_plan(PLAN_SEQ_SCAN, table, attnums, 2);
    /* a % 100 = 0 AND b IS NOT NULL */
    Expr *is_not_null = x_new(EXPR_IS_NOT_NULL, type_plain(TYPE_BOOL));
    is_not_null->arg_count = 1;
    is_not_null->args = arena_alloc(test_arena, sizeof(Expr *));
    is_not_null->args[0] = x_col(1, type_plain(TYPE_TEXT));
    plan->filter = x_and(x_call("=", x_call("%", x_col(0, type_plain(TYPE_INT4)),
                                            x_const(TYPE_INT4, "100")),
                                x_const(TYPE_INT4, "0")),
                         is_not_null);
    Result result = run_ok(plan);
    /* multiples of 100 up to 5000, minus those divisible by 7 (700, 1400 ... 4900) */
    ck_assert_uint_eq(result.count, 50 - 7);
    ck_assert_str_eq(result.rows[0], "100|k0100");
    /* LIKE pushed into the scan */
    plan->filter = x_call("~~", x_col(1, type_plain(TYPE_TEXT)), x_const(TYPE_TEXT, "k499%"));
    Result like = run_ok(plan);
    ck_assert_uint_eq(like.count, 8);   /* k4990..k4999 without k4991 and k4998 (NULL) */
    /* a filter that drops every row of several batches still ends */
    plan->filter = x_call(">", x_col(0, type_plain(TYPE_INT4)), x_const(TYPE_INT4, "4999"));
    Result last = run_ok(plan);
    ck_assert_uint_eq(last.count, 1);
    /* commit, then a second transaction deletes a row; a third that started before the
     * delete committed... here: the deleter sees its own delete, the first snapshot does not */
    catalog_txn_end(db.catalog, txn_xid(db.txn), true);
    OK(txn_commit(db.txn));
    db.txn = NULL;
    Txn *deleter;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &deleter));
    uint8_t key_bytes[KEY_SIZE_MAX];
    KeyBuf key;
    key_buf_init(&key, key_bytes, sizeof key_bytes);
    OK(key_append_int64(&key, KEY_ASC, 4999));
    TxnRowResult outcome = { 0 };
    OK(txn_row_delete(deleter, table->tree, key.bytes, key.size, 0, &outcome));
    ck_assert_int_eq(outcome.outcome, TXN_ROW_DONE);
    Txn *reader;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    plan->filter = x_call(">", x_col(0, type_plain(TYPE_INT4)), x_const(TYPE_INT4, "4997"));
    ctx.txn = reader;
    Result before = run_ok(plan);
    ck_assert_uint_eq(before.count, 3);
    ctx.txn = deleter;
    Result own = run_ok(plan);
    ck_assert_uint_eq(own.count, 2);
    ck_assert_str_eq(own.rows[1], "5000|k5000");
    OK(txn_rollback(deleter));
    OK(txn_rollback(reader));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &db.txn));
    ctx.txn = db.txn;
}
END_TEST

static Plan *index_plan(const CatTable *table, const CatIndex *index, const int16_t *attnums,
                        uint32_t count)
{
    Plan *plan = scan_plan(PLAN_INDEX_SCAN, table, attnums, count);
    plan->index = index;
    return plan;
}

static void set_eq(Plan *plan, Expr *value)
{
    plan->bounds.eq_count = 1;
    plan->bounds.eq_values = arena_alloc(test_arena, sizeof(Expr *));
    plan->bounds.eq_values[0] = value;
}

START_TEST(test_op_index_scan_clustered_key)
{
    const CatTable *table = make_t();
    int16_t attnums[2] = { 1, 2 };
    Plan *plan = index_plan(table, NULL, attnums, 2);
    set_eq(plan, x_const(TYPE_INT4, "42"));
    Result one = run_ok(plan);
    ck_assert_uint_eq(one.count, 1);
    ck_assert_str_eq(one.rows[0], "42|NULL");
    /* 10 < a <= 20 */
    plan->bounds.eq_count = 0;
    plan->bounds.lo = x_const(TYPE_INT4, "10");
    plan->bounds.hi = x_const(TYPE_INT4, "20");
    plan->bounds.hi_inclusive = true;
    Result range = run_ok(plan);
    ck_assert_uint_eq(range.count, 10);
    ck_assert_str_eq(range.rows[0], "11|k0011");
    ck_assert_str_eq(range.rows[9], "20|k0020");
    /* backward, 10 <= a < 20 */
    plan->bounds.lo_inclusive = true;
    plan->bounds.hi_inclusive = false;
    plan->bounds.backward = true;
    Result back = run_ok(plan);
    ck_assert_uint_eq(back.count, 10);
    ck_assert_str_eq(back.rows[0], "19|k0019");
    ck_assert_str_eq(back.rows[9], "10|k0010");
    /* a > 4990 (open end), forward */
    plan->bounds.backward = false;
    plan->bounds.hi = NULL;
    plan->bounds.lo = x_const(TYPE_INT4, "4990");
    plan->bounds.lo_inclusive = false;
    Result tail = run_ok(plan);
    ck_assert_uint_eq(tail.count, 10);
    /* empty ranges: lo > hi, and a NULL bound */
    plan->bounds.hi = x_const(TYPE_INT4, "5");
    Result empty = run_ok(plan);
    ck_assert_uint_eq(empty.count, 0);
    plan->bounds.lo = x_const(TYPE_INT4, NULL);
    plan->bounds.hi = NULL;
    Result none = run_ok(plan);
    ck_assert_uint_eq(none.count, 0);
    /* a filter on top of the range */
    plan->bounds.lo = x_const(TYPE_INT4, "100");
    plan->bounds.lo_inclusive = true;
    plan->bounds.hi = x_const(TYPE_INT4, "200");
    plan->filter = x_call("~~", x_col(1, type_plain(TYPE_TEXT)), x_const(TYPE_TEXT, "%5"));
    Result filtered = run_ok(plan);
    ck_assert_uint_eq(filtered.count, 8);   /* 105 115 ... 195 without 105, 175 (NULL b) */
}
END_TEST

START_TEST(test_op_index_scan_secondary)
{
    const CatTable *table = make_t();
    const CatIndex *b_index = NULL, *d_index = NULL;
    for (uint16_t idx = 0; idx < table->index_count; idx++) {
        if (strcmp(table->indexes[idx]->name, "t_b") == 0) b_index = table->indexes[idx];
        if (strcmp(table->indexes[idx]->name, "t_d") == 0) d_index = table->indexes[idx];
    }
    ck_assert_ptr_nonnull(b_index);
    ck_assert_ptr_nonnull(d_index);
    int16_t attnums[3] = { 1, 2, 4 };
    Plan *plan = index_plan(table, b_index, attnums, 3);
    set_eq(plan, x_const(TYPE_TEXT, "k0043"));
    Result one = run_ok(plan);
    ck_assert_uint_eq(one.count, 1);
    ck_assert_str_eq(one.rows[0], "43|k0043|21.5");
    set_eq(plan, x_const(TYPE_TEXT, "k0049"));   /* 49 = 7 * 7: NULL b */
    ck_assert_uint_eq(run_ok(plan).count, 0);
    /* b >= 'k4990': NULL keys (sorted last) are not part of the open range */
    plan->bounds.eq_count = 0;
    plan->bounds.lo = x_const(TYPE_TEXT, "k4990");
    plan->bounds.lo_inclusive = true;
    Result tail = run_ok(plan);
    ck_assert_uint_eq(tail.count, 9);   /* k4990 ... k5000 without k4991, k4998 (NULL) */
    ck_assert_str_eq(tail.rows[0], "4990|k4990|2495");
    /* backward: b < 'k0010', the largest first */
    plan->bounds.lo = NULL;
    plan->bounds.hi = x_const(TYPE_TEXT, "k0010");
    plan->bounds.backward = true;
    Result head = run_ok(plan);
    ck_assert_uint_eq(head.count, 8);   /* k0001 .. k0009 without k0007 */
    ck_assert_str_eq(head.rows[0], "9|k0009|4.5");
    ck_assert_str_eq(head.rows[7], "1|k0001|0.5");
    /* the DESC index on d: d > 2495 in key order is descending */
    Plan *dplan = index_plan(table, d_index, attnums, 3);
    dplan->bounds.lo = x_const(TYPE_FLOAT8, "2495");
    Result top = run_ok(dplan);
    ck_assert_uint_eq(top.count, 9);   /* a = 4991..5000 without 4994 (11 * 454) */
    ck_assert_str_eq(top.rows[0], "5000|k5000|2500");
    ck_assert_str_eq(top.rows[8], "4991|NULL|2495.5");
    /* d <= 1 with NULLs first in the DESC index: they are skipped */
    dplan->bounds.lo = NULL;
    dplan->bounds.hi = x_const(TYPE_FLOAT8, "1");
    dplan->bounds.hi_inclusive = true;
    Result low = run_ok(dplan);
    ck_assert_uint_eq(low.count, 2);
    ck_assert_str_eq(low.rows[0], "2|k0002|1");
    /* the whole DESC index: NULL d first (nulls_first), then descending */
    Plan *all = index_plan(table, d_index, attnums, 3);
    Result every = run_ok(all);
    ck_assert_uint_eq(every.count, ROW_COUNT);
    ck_assert_str_eq(every.rows[0], "11|k0011|NULL");
    ck_assert_str_eq(every.rows[ROW_COUNT - 1], "1|k0001|0.5");
    /* a bound from an outer value (a nested loop's inner side); rescan re-reads it */
    Vector param;
    vec_init(&param, type_plain(TYPE_TEXT), test_arena);
    OK(vec_reserve(&param, 1));
    OK(vec_str_set(&param, 0, "k0100", 5));
    OK(vec_set_constant(&param));
    ExecOuter outer = { .count = 1, .values = &param };
    ctx.outer = &outer;
    Plan *pplan = index_plan(table, b_index, attnums, 3);
    set_eq(pplan, x_new(EXPR_OUTER, type_plain(TYPE_TEXT)));
    Op *op;
    OK(exec_build(&ctx, pplan, &op));
    OK(exec_open(op));
    Result first;
    OK(run_op(op, &first));
    ck_assert_uint_eq(first.count, 1);
    ck_assert_str_eq(first.rows[0], "100|k0100|50");
    OK(vec_str_set(&param, 0, "k0101", 5));
    OK(exec_rescan(op));
    Result second;
    OK(run_op(op, &second));
    ck_assert_uint_eq(second.count, 1);
    ck_assert_str_eq(second.rows[0], "101|k0101|50.5");
    exec_close(op);
    exec_close(op);   /* idempotent */
}
END_TEST

START_TEST(test_op_index_scan_sees_updates_through_recheck)
{
    const CatTable *table = make_t();
    const CatIndex *b_index = table->indexes[0];
    if (strcmp(b_index->name, "t_b") != 0) b_index = table->indexes[1];
    catalog_txn_end(db.catalog, txn_xid(db.txn), true);
    OK(txn_commit(db.txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &db.txn));
    ctx.txn = db.txn;
    /* delete row 3 in this transaction and mark its index entry: gone for us */
    uint8_t key_bytes[KEY_SIZE_MAX];
    KeyBuf key;
    key_buf_init(&key, key_bytes, sizeof key_bytes);
    OK(key_append_int64(&key, KEY_ASC, 3));
    TxnRowResult outcome = { 0 };
    OK(txn_row_delete(db.txn, table->tree, key.bytes, key.size, 0, &outcome));
    int16_t attnums[1] = { 1 };
    Plan *plan = index_plan(table, b_index, attnums, 1);
    set_eq(plan, x_const(TYPE_TEXT, "k0003"));
    ck_assert_uint_eq(run_ok(plan).count, 0);
    /* an index entry whose row no longer matches (the row changed, the entry did not) is
     * not returned: the recheck compares the row's b with the entry's key */
    const char *texts[4] = { "4", "zzz", "5.00", "2" };
    Vector *columns = row_vectors(table, texts);
    uint8_t *record;
    size_t record_size;
    OK(rowcodec_encode(table, columns, 0, test_arena, &record, &record_size));
    key_buf_init(&key, key_bytes, sizeof key_bytes);
    OK(key_append_int64(&key, KEY_ASC, 4));
    OK(txn_row_update(db.txn, table->tree, key.bytes, key.size, 0, record, record_size,
                      &outcome));
    ck_assert_int_eq(outcome.outcome, TXN_ROW_DONE);
    set_eq(plan, x_const(TYPE_TEXT, "k0004"));
    ck_assert_uint_eq(run_ok(plan).count, 0);
    set_eq(plan, x_const(TYPE_TEXT, "k0005"));
    ck_assert_uint_eq(run_ok(plan).count, 1);
    /* the sequential scan sees the new value */
    int16_t both[2] = { 1, 2 };
    Plan *seq = scan_plan(PLAN_SEQ_SCAN, table, both, 2);
    seq->filter = x_call("=", x_col(0, type_plain(TYPE_INT4)), x_const(TYPE_INT4, "4"));
    Result row = run_ok(seq);
    ck_assert_uint_eq(row.count, 1);
    ck_assert_str_eq(row.rows[0], "4|zzz");
}
END_TEST

START_TEST(test_op_scan_for_update_locks_rows)
{
    const CatTable *table = make_t();
    catalog_txn_end(db.catalog, txn_xid(db.txn), true);
    OK(txn_commit(db.txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &db.txn));
    ctx.txn = db.txn;
    int16_t attnums[2] = { 1, 2 };
    Plan *plan = index_plan(table, NULL, attnums, 2);
    plan->bounds.lo = x_const(TYPE_INT4, "10");
    plan->bounds.lo_inclusive = true;
    plan->bounds.hi = x_const(TYPE_INT4, "12");
    plan->bounds.hi_inclusive = true;
    plan->lock_rows = LOCK_FOR_UPDATE + 1;
    Result locked = run_ok(plan);
    ck_assert_uint_eq(locked.count, 3);
    /* another transaction cannot take row 11 without waiting */
    Txn *other;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &other));
    uint8_t key_bytes[KEY_SIZE_MAX];
    KeyBuf key;
    key_buf_init(&key, key_bytes, sizeof key_bytes);
    OK(key_append_int64(&key, KEY_ASC, 11));
    TxnRowResult outcome = { 0 };
    bool acquired = false;
    expect_err(txn_row_lock(other, table->tree, key.bytes, key.size, 0, LOCK_FOR_UPDATE,
                            LOCK_WAIT_NOWAIT, &acquired, &outcome), "55P03", NULL);
    /* row 20 is free */
    key_buf_init(&key, key_bytes, sizeof key_bytes);
    OK(key_append_int64(&key, KEY_ASC, 20));
    OK(txn_row_lock(other, table->tree, key.bytes, key.size, 0, LOCK_FOR_UPDATE,
                    LOCK_WAIT_NOWAIT, &acquired, &outcome));
    ck_assert(acquired);
    OK(txn_rollback(other));
}
END_TEST

/* ------------------------------------------------------------ basic ops ---- */

START_TEST(test_op_limit_offset)
{
    const CatTable *table = make_t();
    int16_t attnums[1] = { 1 };
    Plan *limit = over(PLAN_LIMIT, scan_plan(PLAN_SEQ_SCAN, table, attnums, 1));
    limit->limit = x_const(TYPE_INT8, "5");
    limit->offset = x_const(TYPE_INT8, "10");
    Result result = run_ok(limit);
    ck_assert_uint_eq(result.count, 5);
    ck_assert_str_eq(result.rows[0], "11");
    ck_assert_str_eq(result.rows[4], "15");
    /* an offset that crosses chunks */
    limit->offset = x_const(TYPE_INT8, "4997");
    Result tail = run_ok(limit);
    ck_assert_uint_eq(tail.count, 3);
    ck_assert_str_eq(tail.rows[2], "5000");
    limit->limit = x_const(TYPE_INT8, NULL);
    limit->offset = x_const(TYPE_INT8, "4990");
    ck_assert_uint_eq(run_ok(limit).count, 10);
    limit->limit = x_const(TYPE_INT8, "0");
    limit->offset = NULL;
    ck_assert_uint_eq(run_ok(limit).count, 0);
    limit->limit = x_const(TYPE_INT8, "2100");
    ck_assert_uint_eq(run_ok(limit).count, 2100);
    Result errors;
    limit->limit = x_const(TYPE_INT8, "-1");
    expect_err(run(limit, &errors), "2201W", "LIMIT must not be negative");
    limit->limit = NULL;
    limit->offset = x_const(TYPE_INT8, "-1");
    expect_err(run(limit, &errors), "2201X", "OFFSET must not be negative");
}
END_TEST

START_TEST(test_op_values_result_project_filter)
{
    /* VALUES (1, 'x', 1.5), (NULL, NULL, 22.25), (3, 'zz', NULL) */
    Plan *values = plan_new(PLAN_VALUES, 3);
    values->types[0] = type_plain(TYPE_INT4);
    values->types[1] = type_plain(TYPE_TEXT);
    values->types[2] = type_plain(TYPE_NUMERIC);
    const char *cells[3][3] = { { "1", "x", "1.5" }, { NULL, NULL, "22.25" }, { "3", "zz", NULL } };
    TypeId ids[3] = { TYPE_INT4, TYPE_TEXT, TYPE_NUMERIC };
    values->value_row_count = 3;
    values->value_rows = arena_alloc(test_arena, 3 * sizeof(Expr **));
    for (int row = 0; row < 3; row++) {
        values->value_rows[row] = arena_alloc(test_arena, 3 * sizeof(Expr *));
        for (int col = 0; col < 3; col++) {
            values->value_rows[row][col] = x_const(ids[col], cells[row][col]);
        }
    }
    Result result = run_ok(values);
    ck_assert_uint_eq(result.count, 3);
    ck_assert_str_eq(result.rows[0], "1|x|1.5");
    ck_assert_str_eq(result.rows[1], "NULL|NULL|22.25");
    ck_assert_str_eq(result.rows[2], "3|zz|NULL");
    /* a bad literal fails at build */
    values->value_rows[2][0] = x_const(TYPE_INT4, "three");
    Result bad;
    expect_err(run(values, &bad), "22P02", "invalid input syntax for type integer: \"three\"");
    values->value_rows[2][0] = x_const(TYPE_INT4, "3");
    /* project a * 2, c over a filter a IS NOT NULL */
    Plan *filter = over(PLAN_FILTER, values);
    Expr *not_null = x_new(EXPR_IS_NOT_NULL, type_plain(TYPE_BOOL));
    not_null->arg_count = 1;
    not_null->args = arena_alloc(test_arena, sizeof(Expr *));
    not_null->args[0] = x_col(0, type_plain(TYPE_INT4));
    filter->filter = not_null;
    Plan *project = plan_new(PLAN_PROJECT, 2);
    project->left = filter;
    project->types[0] = type_plain(TYPE_INT4);
    project->types[1] = type_plain(TYPE_NUMERIC);
    project->exprs = arena_alloc(test_arena, 2 * sizeof(Expr *));
    project->exprs[0] = x_call("*", x_col(0, type_plain(TYPE_INT4)), x_const(TYPE_INT4, "2"));
    project->exprs[1] = x_col(2, type_plain(TYPE_NUMERIC));
    Result projected = run_ok(project);
    ck_assert_uint_eq(projected.count, 2);
    ck_assert_str_eq(projected.rows[0], "2|1.5");
    ck_assert_str_eq(projected.rows[1], "6|NULL");
    /* SELECT 1 + 2: project over a result */
    Plan *select = plan_new(PLAN_PROJECT, 1);
    select->left = plan_new(PLAN_RESULT, 0);
    select->types[0] = type_plain(TYPE_INT4);
    select->exprs = arena_alloc(test_arena, sizeof(Expr *));
    select->exprs[0] = x_call("+", x_const(TYPE_INT4, "1"), x_const(TYPE_INT4, "2"));
    Result three = run_ok(select);
    ck_assert_uint_eq(three.count, 1);
    ck_assert_str_eq(three.rows[0], "3");
    /* a kind without an operator yet, or an unknown kind */
    Plan *weird = plan_new((PlanKind)99, 0);
    Op *op;
    expect_err(exec_build(&ctx, weird, &op), "0A000", NULL);
}
END_TEST

START_TEST(test_op_explain_analyze_counters)
{
    const CatTable *table = make_t();
    int16_t attnums[1] = { 1 };
    Plan *scan = scan_plan(PLAN_SEQ_SCAN, table, attnums, 1);
    scan->filter = x_call("<", x_col(0, type_plain(TYPE_INT4)), x_const(TYPE_INT4, "3001"));
    Plan *limit = over(PLAN_LIMIT, scan);
    limit->limit = x_const(TYPE_INT8, "2500");
    ctx.analyze = true;
    Op *op;
    OK(exec_build(&ctx, limit, &op));
    OK(exec_open(op));
    Result result;
    OK(run_op(op, &result));
    ck_assert_uint_eq(result.count, 2500);
    PlanNodeStats *stats;
    size_t count;
    OK(exec_stats(op, test_arena, &stats, &count));
    ck_assert_uint_eq(count, 2);
    ck_assert(stats[0].rows == 2500);
    ck_assert(stats[0].loops == 1);
    ck_assert(stats[1].rows >= 2500 && stats[1].rows <= 3000);
    ck_assert(stats[0].total_ms >= stats[1].total_ms * 0.0);
    exec_close(op);
}
END_TEST

START_TEST(test_op_sequences)
{
    CatSequenceDef def = { .namespace_oid = CAT_OID_PUBLIC, .name = "s",
                           .type = type_plain(TYPE_INT8), .start = 10, .increment = 5,
                           .min_value = 1, .max_value = INT64_MAX, .cache = 1 };
    uint32_t oid;
    OK(catalog_create_sequence(db.catalog, db.txn, &def, &oid));
    Expr *curr = x_new(EXPR_SEQ_CURR, type_plain(TYPE_INT8));
    curr->sequence_oid = oid;
    ExprState *state;
    OK(expr_prepare(&ctx, curr, &state));
    Vector out;
    expect_err(expr_eval_const(state, test_arena, &out), "55000",
               "currval of sequence \"s\" is not yet defined in this session");
    Expr *next = x_new(EXPR_SEQ_NEXT, type_plain(TYPE_INT8));
    next->sequence_oid = oid;
    /* nextval over three rows: three values */
    Plan *values = plan_new(PLAN_VALUES, 1);
    values->types[0] = type_plain(TYPE_INT8);
    values->value_row_count = 3;
    values->value_rows = arena_alloc(test_arena, 3 * sizeof(Expr **));
    for (int row = 0; row < 3; row++) {
        values->value_rows[row] = arena_alloc(test_arena, sizeof(Expr *));
        values->value_rows[row][0] = next;
    }
    Result result = run_ok(values);
    ck_assert_uint_eq(result.count, 3);
    ck_assert_str_eq(result.rows[0], "10");
    ck_assert_str_eq(result.rows[2], "20");
    Expr *bad = x_new(EXPR_SEQ_NEXT, type_plain(TYPE_INT8));
    bad->sequence_oid = 999999;
    expect_err(expr_prepare(&ctx, bad, &state), "42P01", NULL);
}
END_TEST

/* ------------------------------------------------------------ row codec ---- */

typedef struct TypeCase {
    Type        type;
    const char *values[7];   /* ascending, NULL-terminated list (at most 6) */
} TypeCase;

static Vector *vec_from_text(Type type, const char *text)
{
    Vector *vec = vec_new(type);
    if (text == NULL) {
        OK(vec_reserve(vec, 1));
        OK(vec_set_null(vec, 0));
        return vec;
    }
    Vector *source = vec_of_strs(TYPE_TEXT, &text, 1);
    KernFn fn = NULL;
    OK(kern_cast_lookup(type_plain(TYPE_TEXT), type, &fn));
    if (fn == NULL) {
        source->type = type;
        return source;
    }
    const Vector *args[1] = { source };
    OK(fn(&test_ctx, args, NULL, 1, vec));
    return vec;
}

static const char *text_of(const Vector *vec, uint32_t row)
{
    if (vec_is_null(vec, row)) return "NULL";
    KernFn fn = NULL;
    OK(kern_cast_lookup(vec->type, type_plain(TYPE_TEXT), &fn));
    if (fn == NULL) return row_text(vec, row);
    Vector *text = vec_new(type_plain(TYPE_TEXT));
    const Vector *args[1] = { vec };
    uint16_t sel[1] = { (uint16_t)row };
    OK(fn(&test_ctx, args, sel, 1, text));
    return row_text(text, row);
}

static TypeCase *type_cases(size_t *count_out)
{
    static TypeCase cases[20];
    int32_t num_typmod;
    OK(numeric_typmod_make(10, 2, &num_typmod));
    TypeCase list[] = {
        { type_plain(TYPE_BOOL), { "false", "true" } },
        { type_plain(TYPE_INT2), { "-32768", "-1", "0", "7", "32767" } },
        { type_plain(TYPE_INT4), { "-2147483648", "-5", "0", "2147483647" } },
        { type_plain(TYPE_INT8), { "-9223372036854775808", "-1", "0", "1", "9223372036854775807" } },
        { type_plain(TYPE_FLOAT4), { "-Infinity", "-1.5", "0", "2.25", "NaN" } },
        { type_plain(TYPE_FLOAT8), { "-1e300", "-0.1", "0", "1e-300", "Infinity" } },
        { type_make(TYPE_NUMERIC, num_typmod), { "-99999999.99", "-0.01", "0.00", "1.50", "12345678.90" } },
        { type_plain(TYPE_NUMERIC), { "-1e30", "-1.5", "0", "0.000001", "1e100" } },
        { type_plain(TYPE_TEXT), { "", "a", "a\001", "ab", "long string beyond twelve" } },
        { type_make(TYPE_VARCHAR, 9), { "a", "b", "bb" } },
        { type_plain(TYPE_BYTEA), { "\\x", "\\x00", "\\x0001", "\\xff" } },
        { type_plain(TYPE_DATE), { "-infinity", "1999-12-31", "2000-01-01", "2024-02-29", "infinity" } },
        { type_plain(TYPE_TIME), { "00:00:00", "12:30:00.5", "23:59:59" } },
        { type_plain(TYPE_TIMESTAMP), { "1970-01-01 00:00:00", "2024-01-02 03:04:05.678", "2100-01-01 00:00:00" } },
        { type_plain(TYPE_INTERVAL), { "-1 days", "00:00:01", "1 day", "1 mon 2 days" } },
        { type_plain(TYPE_OID), { "0", "1", "4294967295" } },
    };
    size_t count = sizeof list / sizeof list[0];
    memcpy(cases, list, sizeof list);
    *count_out = count;
    return cases;
}

START_TEST(test_rowcodec_round_trip_every_type)
{
    size_t case_count;
    TypeCase *cases = type_cases(&case_count);
    /* a hand-made table: one column per type */
    CatColumn *columns = arena_calloc(test_arena, case_count * sizeof *columns);
    RowKind *kinds = arena_alloc(test_arena, case_count * sizeof *kinds);
    for (size_t idx = 0; idx < case_count; idx++) {
        columns[idx].name = "c";
        columns[idx].type = cases[idx].type;
        columns[idx].attnum = (int16_t)(idx + 1);
        kinds[idx] = catalog_row_kind(cases[idx].type);
    }
    RowLayout *layout;
    OK(row_layout_new(test_arena, kinds, case_count, &layout));
    CatTable table = { .name = "all_types", .column_count = (uint16_t)case_count,
                       .columns = columns, .layout = layout };
    for (int variant = 0; variant < 6; variant++) {
        Vector *vectors = arena_calloc(test_arena, case_count * sizeof(Vector));
        const char **texts = arena_calloc(test_arena, case_count * sizeof(char *));
        for (size_t idx = 0; idx < case_count; idx++) {
            /* cycle through the values; every column NULL in some variant */
            size_t value_count = 0;
            while (value_count < 6 && cases[idx].values[value_count] != NULL) value_count++;
            bool null = (variant + (int)idx) % 4 == 3;
            texts[idx] = null ? NULL : cases[idx].values[(size_t)variant % value_count];
            vectors[idx] = *vec_from_text(cases[idx].type, texts[idx]);
        }
        uint8_t *record;
        size_t size;
        OK(rowcodec_encode(&table, vectors, 0, test_arena, &record, &size));
        OK(row_validate(layout, record, size));
        for (size_t idx = 0; idx < case_count; idx++) {
            Vector decoded;
            vec_init(&decoded, cases[idx].type, test_arena);
            OK(vec_reserve(&decoded, 3));
            OK(rowcodec_decode_column(&table, (int16_t)(idx + 1), record, size, NULL, 0, &decoded,
                                      2));
            const char *want = texts[idx] == NULL ? "NULL" : text_of(&vectors[idx], 0);
            ck_assert_msg(strcmp(text_of(&decoded, 2), want) == 0, "type %u: %s != %s",
                          cases[idx].type.id, text_of(&decoded, 2), want);
        }
    }
    /* a corrupt record is an error, not a crash */
    Vector vectors[1];
    vectors[0] = *vec_from_text(type_plain(TYPE_TEXT), "x");
    uint8_t bad[8] = { 0 };
    Vector out;
    vec_init(&out, type_plain(TYPE_INT4), test_arena);
    OK(vec_reserve(&out, 1));
    expect_err(rowcodec_decode_column(&table, 3, bad, sizeof bad, NULL, 0, &out, 0), "XX001",
               NULL);
    /* numeric stored in the general form decodes into a NUM64 vector at its scale */
    (void)vectors;
}
END_TEST

START_TEST(test_rowcodec_key_order)
{
    size_t case_count;
    TypeCase *cases = type_cases(&case_count);
    for (size_t idx = 0; idx < case_count; idx++) {
        for (int dir_idx = 0; dir_idx < 4; dir_idx++) {
            KeyDir dir = (KeyDir)dir_idx;
            bool descending = (dir & 1) != 0, nulls_first = (dir & 2) != 0;
            uint8_t previous[KEY_SIZE_MAX];
            size_t previous_size = 0;
            /* values ascending, then NULL (or NULL first): at most 6 values and the NULL */
            const char *ordered[9];
            size_t count = 0;
            if (nulls_first) ordered[count++] = NULL;
            while (count < 8 && cases[idx].values[count - (nulls_first ? 1 : 0)] != NULL &&
                   count - (nulls_first ? 1 : 0) < 6) {
                ordered[count] = cases[idx].values[count - (nulls_first ? 1 : 0)];
                count++;
            }
            if (!nulls_first) ordered[count++] = NULL;
            for (size_t value_idx = 0; value_idx < count; value_idx++) {
                /* with DESC, ascending values must give descending keys: walk them backwards
                 * for the non-NULL part */
                const char *text = ordered[value_idx];
                if (descending && text != NULL) {
                    size_t first = nulls_first ? 1 : 0, last = nulls_first ? count - 1 : count - 2;
                    text = ordered[first + last - value_idx];
                }
                Vector *vec = vec_from_text(cases[idx].type, text);
                uint8_t bytes[KEY_SIZE_MAX];
                KeyBuf key;
                key_buf_init(&key, bytes, sizeof bytes);
                OK(rowcodec_key_append(&key, dir, vec, 0));
                if (value_idx > 0) {
                    ck_assert_msg(key_compare(previous, previous_size, key.bytes, key.size) < 0,
                                  "type %u dir %d: key of %s not above the previous",
                                  cases[idx].type.id, dir_idx, text != NULL ? text : "NULL");
                }
                memcpy(previous, key.bytes, key.size);
                previous_size = key.size;
            }
        }
    }
    /* integers of every width encode alike; 1.5 = 1.50; 'a ' = 'a' as CHAR(n) */
    uint8_t a_bytes[KEY_SIZE_MAX], b_bytes[KEY_SIZE_MAX];
    KeyBuf a, b;
    key_buf_init(&a, a_bytes, sizeof a_bytes);
    key_buf_init(&b, b_bytes, sizeof b_bytes);
    OK(rowcodec_key_append(&a, KEY_ASC, vec_from_text(type_plain(TYPE_INT2), "-5"), 0));
    OK(rowcodec_key_append(&b, KEY_ASC, vec_from_text(type_plain(TYPE_INT8), "-5"), 0));
    ck_assert_int_eq(key_compare(a.bytes, a.size, b.bytes, b.size), 0);
    key_buf_init(&a, a_bytes, sizeof a_bytes);
    key_buf_init(&b, b_bytes, sizeof b_bytes);
    int32_t typmod;
    OK(numeric_typmod_make(5, 2, &typmod));
    OK(rowcodec_key_append(&a, KEY_ASC, vec_from_text(type_make(TYPE_NUMERIC, typmod), "1.5"), 0));
    OK(rowcodec_key_append(&b, KEY_ASC, vec_from_text(type_plain(TYPE_NUMERIC), "1.5000"), 0));
    ck_assert_int_eq(key_compare(a.bytes, a.size, b.bytes, b.size), 0);
    key_buf_init(&a, a_bytes, sizeof a_bytes);
    key_buf_init(&b, b_bytes, sizeof b_bytes);
    OK(rowcodec_key_append(&a, KEY_ASC, vec_from_text(type_make(TYPE_BPCHAR, 7), "a"), 0));
    OK(rowcodec_key_append(&b, KEY_ASC, vec_from_text(type_make(TYPE_BPCHAR, 5), "a"), 0));
    ck_assert_int_eq(key_compare(a.bytes, a.size, b.bytes, b.size), 0);
    /* a key past the size limit: 54000 */
    char *huge = arena_alloc(test_arena, 2000);
    memset(huge, 'x', 1999);
    huge[1999] = 0;
    key_buf_init(&a, a_bytes, sizeof a_bytes);
    expect_err(rowcodec_key_append(&a, KEY_ASC, vec_from_text(type_plain(TYPE_TEXT), huge), 0),
               "54000", "index row size exceeds maximum");
}
END_TEST

Suite *op_basic_suite(void)
{
    Suite *suite = suite_create("op_basic");
    TCase *tcase = tcase_create("op_basic");
    tcase_set_timeout(tcase, 120);
    tcase_add_checked_fixture(tcase, setup, teardown);
    tcase_add_test(tcase, test_op_seq_scan_reads_every_row);
    tcase_add_test(tcase, test_op_seq_scan_filter_and_visibility);
    tcase_add_test(tcase, test_op_index_scan_clustered_key);
    tcase_add_test(tcase, test_op_index_scan_secondary);
    tcase_add_test(tcase, test_op_index_scan_sees_updates_through_recheck);
    tcase_add_test(tcase, test_op_scan_for_update_locks_rows);
    tcase_add_test(tcase, test_op_limit_offset);
    tcase_add_test(tcase, test_op_values_result_project_filter);
    tcase_add_test(tcase, test_op_explain_analyze_counters);
    tcase_add_test(tcase, test_op_sequences);
    tcase_add_test(tcase, test_rowcodec_round_trip_every_type);
    tcase_add_test(tcase, test_rowcodec_key_order);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(op_basic_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
