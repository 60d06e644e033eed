/* executor/tests/test_plan.c: the query binder and plan builder (planner/bind_query*.c,
 * plan_build.c, plan_explain.c) over a real catalog and the real kernel registry: plan shapes
 * through EXPLAIN (costs off), join order of comma joins, index selection, grouping and ORDER
 * BY errors, set operations, INSERT defaults and casts, UPDATE/DELETE child layouts, CTEs,
 * parameters and correlated subqueries. It lives in executor/tests so it may link the kernel
 * registry (a small static PlanResolver below). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/kern.h"
#include "parser/parse.h"
#include "planner/catalog.h"
#include "planner/planner.h"
#include "storage/file.h"
#include "txn/lock.h"
#include "txn/txn.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) {                                                        \
            ck_abort_msg("%s:%d: %s: %s %s", __FILE__, __LINE__, #expr,               \
                         sqlstate_code(err_ok_->state), err_ok_->message);            \
        }                                                                             \
    } while (0)

/* ------------------------------------------------------------------ resolver ---- */

static Error *resolve_func(void *ctx, const char *name, const Type *arg_types, uint32_t arg_count,
                           PlanFunc *out)
{
    (void)ctx;
    KernLookup lookup;
    TRY(kern_lookup(name, arg_types, arg_count, &lookup));
    *out = (PlanFunc){ .kern = (const void *)lookup.fn, .filter_kern = (const void *)lookup.filter,
                       .result_type = lookup.result_type, .arg_count = lookup.arg_count };
    for (uint32_t arg_idx = 0; arg_idx < arg_count && arg_idx < PLAN_FUNC_ARG_MAX; arg_idx++) {
        out->arg_types[arg_idx] = lookup.arg_types[arg_idx];
    }
    return NULL;
}

static Error *resolve_cast(void *ctx, Type from, Type to, bool explicit_cast, const void **kern_out)
{
    (void)ctx;
    (void)explicit_cast;
    KernFn fn = NULL;
    TRY(kern_cast_lookup(from, to, &fn));
    *kern_out = (const void *)fn;
    return NULL;
}

static const void *resolve_agg(void *ctx, const char *name, uint32_t input_type, Type *result_out)
{
    (void)ctx;
    const AggKern *agg = kern_agg_find(name, input_type);
    if (agg == NULL) return NULL;
    *result_out = type_plain((TypeId)agg->result_type);
    return agg;
}

static const PlanResolver TEST_RESOLVER = { NULL, resolve_func, resolve_cast, resolve_agg };

/* ------------------------------------------------------------------ database ---- */

typedef struct Db {
    Vfs        *vfs;
    Store      *store;
    TxnManager *manager;
    Catalog    *catalog;
    Txn        *txn;
    Arena      *arena;
} Db;

static Db db;

#define INT4 { TYPE_INT4, -1 }
#define INT8 { TYPE_INT8, -1 }
#define TEXT { TYPE_TEXT, -1 }

static void make_table(const char *name, const CatColumnDef *columns, uint16_t column_count,
                       int16_t primary_attnum)
{
    int16_t *attnums = malloc(sizeof *attnums);
    attnums[0] = primary_attnum;
    CatConstraintDef primary = { .kind = CAT_CONSTR_PRIMARY, .column_count = 1,
                                 .attnums = attnums };
    CatTableDef def = { .namespace_oid = CAT_OID_PUBLIC, .name = name,
                        .column_count = column_count, .columns = columns,
                        .constraint_count = primary_attnum > 0 ? 1 : 0,
                        .constraints = &primary };
    uint32_t oid = 0;
    OK(catalog_create_table(db.catalog, db.txn, &def, &oid));
    free(attnums);
}

static uint32_t table_oid(const char *name)
{
    const CatTable *table = NULL;
    OK(catalog_lookup(db.catalog, db.txn, CAT_OID_PUBLIC, name, &table));
    ck_assert_ptr_nonnull(table);
    return table->oid;
}

static void make_index(const char *name, const char *table, const int16_t *attnums,
                       uint16_t count, bool unique)
{
    CatIndexDef def = { .name = name, .table_oid = table_oid(table), .unique = unique,
                        .key_count = count, .attnums = attnums };
    uint32_t oid = 0;
    OK(catalog_create_index(db.catalog, db.txn, &def, &oid));
}

static const CatColumnDef T_COLUMNS[] = {
    { .name = "a", .type = INT4, .not_null = true },
    { .name = "b", .type = INT4 },
    { .name = "c", .type = TEXT },
};
static const CatColumnDef U_COLUMNS[] = {
    { .name = "x", .type = INT4 },
    { .name = "y", .type = INT4 },
    { .name = "z", .type = TEXT },
};
static const CatColumnDef J_COLUMNS[] = {
    { .name = "a", .type = INT4 },
    { .name = "b", .type = INT4 },
};
static const CatColumnDef S_COLUMNS[] = {
    { .name = "id", .type = INT8, .not_null = true },
    { .name = "v", .type = { TYPE_VARCHAR, 10 + 4 }, .default_sql = "'dflt'" },
    { .name = "n", .type = { TYPE_NUMERIC, ((5 << 16) | 2) + 4 } },
    { .name = "d", .type = INT4, .default_sql = "40 + 2" },
};

static void db_setup(void)
{
    memset(&db, 0, sizeof db);
    db.vfs = vfs_fault_create(7);
    StoreOptions options = { .vfs = db.vfs, .pool_size = 8 << 20, .create = true };
    OK(store_open("plan.birch", &options, &db.store));
    OK(txn_manager_open(db.store, NULL, &db.manager));
    OK(catalog_open(db.store, db.manager, &db.catalog));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &db.txn));
    make_table("t", T_COLUMNS, 3, 1);
    make_table("u", U_COLUMNS, 3, 0);
    static const int16_t u_x[] = { 1 };
    static const int16_t u_yz[] = { 2, 3 };
    make_index("u_x_idx", "u", u_x, 1, false);
    make_index("u_y_z_key", "u", u_yz, 2, true);
    const char *joins[] = { "j1", "j2", "j3", "j4", "j5" };
    for (int join_idx = 0; join_idx < 5; join_idx++) make_table(joins[join_idx], J_COLUMNS, 2, 0);
    make_table("s", S_COLUMNS, 4, 1);
    const char *names[] = { "a", "b" };
    const Type types[] = { INT4, INT4 };
    uint32_t oid = 0;
    OK(catalog_create_view(db.catalog, db.txn, CAT_OID_PUBLIC, "v",
                           "SELECT a, b FROM t WHERE b > 0", 2, names, types, false, &oid));
    db.arena = arena_create(64 * 1024);
}

static void db_teardown(void)
{
    arena_destroy(db.arena);
    uint64_t xid = txn_xid(db.txn);
    OK(txn_rollback(db.txn));
    catalog_txn_end(db.catalog, xid, false);
    catalog_close(db.catalog);
    OK(txn_manager_close(db.manager));
    OK(store_close(db.store));
    vfs_fault_destroy(db.vfs);
}

/* ------------------------------------------------------------------ helpers ---- */

static const char *const SEARCH_PATH[] = { "public" };

static Error *try_plan(const char *sql, const Type *param_types, uint32_t param_count,
                       PlannedStmt **planned_out)
{
    AstStmtList *stmts = NULL;
    TRY(parse_sql(db.arena, sql, &stmts));
    ck_assert_int_eq(stmts->count, 1);
    PlanCtx ctx = { .arena = db.arena, .catalog = db.catalog, .txn = db.txn,
                    .search_path = SEARCH_PATH, .search_path_count = 1,
                    .resolver = &TEST_RESOLVER, .sql = sql, .param_count = param_count,
                    .param_types = param_types };
    return plan_statement(&ctx, stmts->stmts[0], planned_out);
}

static PlannedStmt *plan_ok(const char *sql)
{
    PlannedStmt *planned = NULL;
    Error *err = try_plan(sql, NULL, 0, &planned);
    if (err != NULL) ck_abort_msg("%s: %s %s", sql, sqlstate_code(err->state), err->message);
    return planned;
}

static void expect_error(const char *sql, const char *code, const char *message)
{
    PlannedStmt *planned = NULL;
    Error *err = try_plan(sql, NULL, 0, &planned);
    if (err == NULL) ck_abort_msg("%s: planned without error", sql);
    if (strcmp(sqlstate_code(err->state), code) != 0 ||
        (message != NULL && strcmp(err->message, message) != 0)) {
        ck_abort_msg("%s: got %s \"%s\", want %s \"%s\"", sql, sqlstate_code(err->state),
                     err->message, code, message != NULL ? message : "*");
    }
    err_free(err);
}

static const char *explain_text(const PlannedStmt *planned, bool costs)
{
    const char **lines = NULL;
    size_t count = 0;
    OK(plan_explain(db.arena, planned, NULL, 0, false, costs, &lines, &count));
    size_t size = 1;
    for (size_t line_idx = 0; line_idx < count; line_idx++) size += strlen(lines[line_idx]) + 1;
    char *text = arena_calloc(db.arena, size);
    for (size_t line_idx = 0; line_idx < count; line_idx++) {
        strcat(text, lines[line_idx]);
        strcat(text, "\n");
    }
    return text;
}

static void expect_plan(const char *sql, const char *want)
{
    const char *got = explain_text(plan_ok(sql), false);
    if (strcmp(got, want) != 0) ck_abort_msg("%s:\n--- got\n%s--- want\n%s", sql, got, want);
}

static int count_kind(const Plan *plan, PlanKind kind)
{
    if (plan == NULL) return 0;
    return (plan->kind == kind) + count_kind(plan->left, kind) + count_kind(plan->right, kind);
}

static const Plan *find_kind(const Plan *plan, PlanKind kind)
{
    if (plan == NULL) return NULL;
    if (plan->kind == kind) return plan;
    const Plan *found = find_kind(plan->left, kind);
    return found != NULL ? found : find_kind(plan->right, kind);
}

/* deepest_join: a join node none of whose inputs contains a join (the first one built). */
static const Plan *deepest_join(const Plan *plan)
{
    if (plan == NULL) return NULL;
    const Plan *found = deepest_join(plan->left);
    if (found == NULL) found = deepest_join(plan->right);
    if (found != NULL) return found;
    return plan->kind == PLAN_HASH_JOIN || plan->kind == PLAN_NL_JOIN ? plan : NULL;
}

/* ------------------------------------------------------------------ tests ---- */

START_TEST(test_plan_simple_shapes)
{
    expect_plan("SELECT a, c FROM t WHERE b > 10 ORDER BY c DESC LIMIT 5",
                "Limit\n"
                "  ->  Sort\n"
                "        Sort Key: c DESC\n"
                "        ->  Seq Scan on t\n"
                "              Filter: (b > 10)\n");
    expect_plan("SELECT 1 + 2 AS three",
                "Result\n");
    expect_plan("SELECT b, count(*) FROM t GROUP BY b HAVING count(*) > 1",
                "Filter\n"
                "  Filter: (count > (1)::bigint)\n"
                "  ->  HashAggregate\n"
                "        Group Key: b\n"
                "        ->  Seq Scan on t\n");
    expect_plan("SELECT DISTINCT b FROM t",
                "HashAggregate\n"
                "  Group Key: b\n"
                "  ->  Seq Scan on t\n");
    expect_plan("SELECT a FROM t UNION SELECT x FROM u",
                "HashSetOp Union\n"
                "  ->  Seq Scan on t\n"
                "  ->  Seq Scan on u\n");
    expect_plan("SELECT * FROM v",
                "Seq Scan on t\n"
                "  Filter: (b > 0)\n");
    expect_plan("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS w(k, l) WHERE k = 2",
                "Filter\n"
                "  Filter: (column1 = 2)\n"
                "  ->  Values Scan on \"*VALUES*\"\n");
    PlannedStmt *planned = plan_ok("SELECT a AS alpha, b + 1, count(*) OVER (), c::varchar(3), "
                                   "upper(c), 'lit' FROM t");
    ck_assert_uint_eq(planned->column_count, 6);
    ck_assert_str_eq(planned->columns[0].name, "alpha");
    ck_assert_str_eq(planned->columns[1].name, "?column?");
    ck_assert_str_eq(planned->columns[2].name, "count");
    ck_assert_str_eq(planned->columns[3].name, "c");
    ck_assert_str_eq(planned->columns[4].name, "upper");
    ck_assert_str_eq(planned->columns[5].name, "?column?");
    ck_assert_uint_eq(planned->columns[5].type.id, TYPE_TEXT);
    ck_assert_uint_eq(planned->columns[0].table_oid, table_oid("t"));
    ck_assert_int_eq(planned->columns[0].attnum, 1);
    ck_assert_int_eq(planned->columns[1].attnum, 0);
    ck_assert_int_eq(count_kind(planned->root, PLAN_WINDOW), 1);
}
END_TEST

START_TEST(test_plan_join_order_comma_five_tables)
{
    PlannedStmt *planned = plan_ok(
        "SELECT j1.a, j5.b FROM j1, j2, j3, j4, j5 "
        "WHERE j1.b = j2.a AND j3.b = j4.a AND j2.b = j3.a AND j4.b = j5.a AND j5.b = 7");
    ck_assert_int_eq(count_kind(planned->root, PLAN_NL_JOIN), 0);
    ck_assert_int_eq(count_kind(planned->root, PLAN_HASH_JOIN), 4);
    ck_assert_int_eq(count_kind(planned->root, PLAN_SEQ_SCAN), 5);
    /* the filtered j5 starts: it is an input of the first (deepest) join, on the build side */
    const Plan *node = planned->root;
    node = deepest_join(node);
    ck_assert_str_eq(node->right->table->name, "j5");
    ck_assert_ptr_nonnull(node->right->filter);
    ck_assert_double_le(planned->root->est_rows, 10);
    expect_plan("SELECT j1.a FROM j1, j2, j3 WHERE j1.a = j2.a AND j2.b = j3.b AND j1.b < 3",
                "Hash Join\n"
                "  Hash Cond: (b = b)\n"
                "  ->  Seq Scan on j3\n"
                "  ->  Hash Join\n"
                "        Hash Cond: (a = a)\n"
                "        ->  Seq Scan on j2\n"
                "        ->  Seq Scan on j1\n"
                "              Filter: (b < 3)\n");
    /* unconnected: a cross join, keeping the non-equality condition on the join */
    planned = plan_ok("SELECT 1 FROM j1, j2 WHERE j1.a < j2.a");
    ck_assert_int_eq(count_kind(planned->root, PLAN_NL_JOIN), 1);
    ck_assert_ptr_nonnull(find_kind(planned->root, PLAN_NL_JOIN)->filter);
    /* outer joins keep ON in the join; WHERE on the nullable side stays above */
    expect_plan("SELECT * FROM j1 LEFT JOIN j2 ON j1.a = j2.a AND j2.b > 1 WHERE j2.b IS NULL",
                "Filter\n"
                "  Filter: (b IS NULL)\n"
                "  ->  Hash Left Join\n"
                "        Hash Cond: (a = a)\n"
                "        ->  Seq Scan on j1\n"
                "        ->  Seq Scan on j2\n"
                "              Filter: (b > 1)\n");
    planned = plan_ok("SELECT * FROM j1 RIGHT JOIN j2 ON j1.a = j2.a");
    ck_assert_int_eq(find_kind(planned->root, PLAN_HASH_JOIN)->join_type, JOIN_LEFT);
    ck_assert_str_eq(planned->columns[0].name, "a");
    ck_assert_uint_eq(planned->columns[0].table_oid, table_oid("j1"));
}
END_TEST

START_TEST(test_plan_index_selection)
{
    PlannedStmt *planned = plan_ok("SELECT c FROM t WHERE a = 5");
    const Plan *scan = find_kind(planned->root, PLAN_INDEX_SCAN);
    ck_assert_ptr_nonnull(scan);
    ck_assert_ptr_null(scan->index);          /* the clustered primary key */
    ck_assert_uint_eq(scan->bounds.eq_count, 1);
    ck_assert_str_eq(scan->bounds.eq_values[0]->const_text, "5");
    planned = plan_ok("SELECT c FROM t WHERE a > 5 AND 10 >= a");
    scan = find_kind(planned->root, PLAN_INDEX_SCAN);
    ck_assert_ptr_nonnull(scan);
    ck_assert_uint_eq(scan->bounds.eq_count, 0);
    ck_assert(!scan->bounds.lo_inclusive);
    ck_assert(scan->bounds.hi_inclusive);
    ck_assert_str_eq(scan->bounds.hi->const_text, "10");
    expect_plan("SELECT z FROM u WHERE y = 3 AND z = 'q' AND x > 1",
                "Index Scan using u_y_z_key on u\n"
                "  Index Cond: ((y = 3) AND (z = 'q'::text))\n"
                "  Filter: ((y = 3) AND (z = 'q'::text) AND (x > 1))\n");
    planned = plan_ok("SELECT z FROM u WHERE x = $1");
    scan = find_kind(planned->root, PLAN_INDEX_SCAN);
    ck_assert_ptr_nonnull(scan);
    ck_assert_str_eq(scan->index->name, "u_x_idx");
    ck_assert_uint_eq(planned->param_count, 1);
    ck_assert_uint_eq(planned->param_types[0].id, TYPE_INT4);
    /* no usable predicate: a sequential scan */
    planned = plan_ok("SELECT z FROM u WHERE x + 1 = 2 OR y = 1");
    ck_assert_int_eq(count_kind(planned->root, PLAN_INDEX_SCAN), 0);
}
END_TEST

START_TEST(test_plan_grouping_errors)
{
    expect_error("SELECT b, count(*) FROM t", "42803",
                 "column \"t.b\" must appear in the GROUP BY clause or be used in an aggregate "
                 "function");
    expect_error("SELECT a FROM t GROUP BY b", "42803", NULL);
    expect_error("SELECT a FROM t WHERE count(*) > 1", "42803", NULL);
    expect_error("SELECT a FROM t GROUP BY count(*)", "42803", NULL);
    PlannedStmt *planned = plan_ok("SELECT b + 1, sum(a) FROM t GROUP BY b + 1 ORDER BY 2");
    ck_assert_int_eq(count_kind(planned->root, PLAN_HASH_AGG), 1);
    ck_assert_str_eq(planned->columns[1].name, "sum");
    ck_assert_uint_eq(planned->columns[1].type.id, TYPE_INT8);
    planned = plan_ok("SELECT b AS k, count(*) FROM t GROUP BY k");
    ck_assert_int_eq(count_kind(planned->root, PLAN_HASH_AGG), 1);
    planned = plan_ok("SELECT count(*) FROM t");
    ck_assert_uint_eq(find_kind(planned->root, PLAN_HASH_AGG)->group_count, 0);
}
END_TEST

START_TEST(test_plan_order_by)
{
    expect_error("SELECT a, b FROM t ORDER BY 3", "42P10",
                 "ORDER BY position 3 is not in select list");
    expect_error("SELECT a, b FROM t ORDER BY 0", "42P10",
                 "ORDER BY position 0 is not in select list");
    expect_error("SELECT DISTINCT a FROM t ORDER BY b", "42P10",
                 "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
    PlannedStmt *planned = plan_ok("SELECT a FROM t ORDER BY b NULLS FIRST, a DESC");
    const Plan *sort = find_kind(planned->root, PLAN_SORT);
    ck_assert_uint_eq(sort->sort_count, 2);
    ck_assert(sort->sort_keys[0].nulls_first && !sort->sort_keys[0].descending);
    ck_assert(sort->sort_keys[1].nulls_first && sort->sort_keys[1].descending);
    /* the hidden column b is dropped by a final projection */
    ck_assert_uint_eq(planned->root->column_count, 1);
    ck_assert_uint_eq(sort->column_count, 2);
    planned = plan_ok("SELECT DISTINCT ON (b) b, c FROM t ORDER BY b, a DESC");
    const Plan *window = find_kind(planned->root, PLAN_WINDOW);
    ck_assert_ptr_nonnull(window);
    ck_assert_str_eq(window->windows[0].name, "row_number");
    ck_assert_uint_eq(window->windows[0].partition_count, 1);
    ck_assert_uint_eq(window->windows[0].order_count, 2);
    ck_assert_uint_eq(planned->root->column_count, 2);
    expect_error("SELECT DISTINCT ON (b) b FROM t ORDER BY a", "42P10",
                 "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
    /* an index that gives the order replaces the sort */
    planned = plan_ok("SELECT a FROM t ORDER BY a DESC LIMIT 2");
    ck_assert_int_eq(count_kind(planned->root, PLAN_SORT), 0);
    const Plan *scan = find_kind(planned->root, PLAN_INDEX_SCAN);
    ck_assert(scan->bounds.backward);
    ck_assert_ptr_null(scan->index);
    planned = plan_ok("SELECT z FROM u WHERE y = 3 ORDER BY z");
    ck_assert_int_eq(count_kind(planned->root, PLAN_SORT), 0);
    ck_assert_str_eq(find_kind(planned->root, PLAN_INDEX_SCAN)->index->name, "u_y_z_key");
    planned = plan_ok("SELECT x FROM u ORDER BY x");           /* no LIMIT: seq scan + sort */
    ck_assert_int_eq(count_kind(planned->root, PLAN_SORT), 1);
    planned = plan_ok("SELECT x FROM u ORDER BY x LIMIT 1");
    ck_assert_int_eq(count_kind(planned->root, PLAN_SORT), 0);
    ck_assert(!find_kind(planned->root, PLAN_INDEX_SCAN)->bounds.backward);
    planned = plan_ok("SELECT x FROM u ORDER BY x NULLS FIRST LIMIT 1");
    ck_assert_int_eq(count_kind(planned->root, PLAN_SORT), 1);
    planned = plan_ok("SELECT x FROM u ORDER BY x DESC LIMIT 1");  /* backward: nulls first */
    ck_assert_int_eq(count_kind(planned->root, PLAN_SORT), 0);
    ck_assert(find_kind(planned->root, PLAN_INDEX_SCAN)->bounds.backward);
    planned = plan_ok("SELECT c AS k FROM t ORDER BY k LIMIT 3 OFFSET 2");
    sort = find_kind(planned->root, PLAN_SORT);
    ck_assert_ptr_nonnull(sort->limit);       /* top-N: limit + offset rows */
    ck_assert_str_eq(sort->limit->const_text, "5");
    ck_assert_int_eq(planned->root->kind, PLAN_LIMIT);
}
END_TEST

START_TEST(test_plan_set_operations)
{
    expect_error("SELECT a, b FROM t UNION SELECT x FROM u", "42601",
                 "each UNION query must have the same number of columns");
    expect_error("SELECT a FROM t INTERSECT SELECT x, y FROM u", "42601",
                 "each INTERSECT query must have the same number of columns");
    PlannedStmt *planned = plan_ok("SELECT a FROM t UNION ALL SELECT 1.5 ORDER BY 1 LIMIT 2");
    ck_assert_uint_eq(planned->columns[0].type.id, TYPE_NUMERIC);
    const Plan *setop = find_kind(planned->root, PLAN_SETOP);
    ck_assert(setop->setop_all);
    ck_assert_uint_eq(setop->types[0].id, TYPE_NUMERIC);
    /* the int4 side is cast to numeric by a projection */
    ck_assert_int_eq(setop->left->kind, PLAN_PROJECT);
    ck_assert_int_eq(setop->left->exprs[0]->kind, EXPR_CAST);
    planned = plan_ok("SELECT 'a' UNION SELECT 'b'");
    ck_assert_uint_eq(planned->columns[0].type.id, TYPE_TEXT);
}
END_TEST

START_TEST(test_plan_insert_defaults_and_casts)
{
    PlannedStmt *planned = plan_ok("INSERT INTO s (id, v) VALUES (1, 'x'), (2, DEFAULT)");
    ck_assert_int_eq(planned->kind, PLANNED_INSERT);
    const Plan *insert = planned->root;
    ck_assert_int_eq(insert->kind, PLAN_INSERT);
    const Plan *values = insert->left;
    ck_assert_int_eq(values->kind, PLAN_VALUES);
    ck_assert_uint_eq(values->column_count, 4);
    ck_assert_uint_eq(values->value_row_count, 2);
    Expr **row0 = values->value_rows[0], **row1 = values->value_rows[1];
    ck_assert_uint_eq(row0[0]->type.id, TYPE_INT8);            /* 1 -> bigint */
    ck_assert_uint_eq(row0[1]->type.id, TYPE_VARCHAR);
    ck_assert_int_eq(row0[1]->type.typmod, 14);
    ck_assert(row0[2]->kind == EXPR_CONST && row0[2]->is_null);  /* no default: NULL */
    ck_assert_uint_eq(row0[2]->type.id, TYPE_NUMERIC);
    ck_assert_uint_eq(row0[3]->type.id, TYPE_INT4);            /* DEFAULT 40 + 2 */
    ck_assert_uint_eq(row1[1]->type.id, TYPE_VARCHAR);         /* DEFAULT 'dflt' */
    ck_assert_uint_eq(planned->column_count, 0);
    ck_assert_uint_eq(planned->table_count, 1);
    ck_assert(planned->table_written[0]);
    expect_error("INSERT INTO s (id, d) VALUES (1, true)", "42804",
                 "column \"d\" is of type integer but expression is of type boolean");
    expect_error("INSERT INTO s (id) VALUES (1, 2)", "42601",
                 "INSERT has more expressions than target columns");
    expect_error("INSERT INTO s (id, v) VALUES (1)", "42601",
                 "INSERT has more target columns than expressions");
    expect_error("INSERT INTO s (nope) VALUES (1)", "42703",
                 "column \"nope\" of relation \"s\" does not exist");
    expect_error("INSERT INTO s (id, id) VALUES (1, 2)", "42701",
                 "column \"id\" specified more than once");
    expect_error("INSERT INTO missing VALUES (1)", "42P01",
                 "relation \"missing\" does not exist");
    planned = plan_ok("INSERT INTO s SELECT a, c, NULL, b FROM t RETURNING id, v AS vv");
    insert = planned->root;
    ck_assert_int_eq(insert->left->kind, PLAN_PROJECT);
    ck_assert_uint_eq(insert->left->column_count, 4);
    ck_assert_int_eq(insert->left->exprs[0]->kind, EXPR_CAST);   /* int4 -> int8 */
    ck_assert_uint_eq(planned->column_count, 2);
    ck_assert_str_eq(planned->columns[1].name, "vv");
    ck_assert_uint_eq(insert->dml.returning_count, 2);
    planned = plan_ok("INSERT INTO u VALUES (1, 2, 'z') ON CONFLICT (z, y) DO UPDATE "
                      "SET x = excluded.x + u.x");
    insert = planned->root;
    ck_assert_int_eq(insert->dml.on_conflict, CONFLICT_UPDATE);
    ck_assert_str_eq(insert->dml.conflict_index->name, "u_y_z_key");
    ck_assert_ptr_nonnull(insert->dml.conflict_set[0]);
    ck_assert_ptr_null(insert->dml.conflict_set[1]);
    expect_error("INSERT INTO u VALUES (1, 2, 'z') ON CONFLICT (x) DO NOTHING", "42P10", NULL);
    expect_error("INSERT INTO u VALUES (1, 2, 'z') ON CONFLICT DO UPDATE SET x = 1", "42601",
                 NULL);
    planned = plan_ok("INSERT INTO t VALUES (1, 2, 'c') ON CONFLICT (a) DO UPDATE SET b = 0 "
                      "WHERE t.b > excluded.b");
    ck_assert_int_eq(planned->root->dml.on_conflict, CONFLICT_UPDATE);
    ck_assert_ptr_null(planned->root->dml.conflict_index);
    ck_assert_ptr_nonnull(planned->root->dml.conflict_where);
    expect_error("SELECT * FROM nosuch.t", "42P01", "relation \"nosuch.t\" does not exist");
}
END_TEST

START_TEST(test_plan_update_delete_layout)
{
    PlannedStmt *planned = plan_ok("UPDATE t SET b = b + 1 WHERE a = 1 AND c <> 'x'");
    ck_assert_int_eq(planned->kind, PLANNED_UPDATE);
    const Plan *update = planned->root;
    const Plan *child = update->left;
    ck_assert_uint_eq(child->column_count, 5);
    ck_assert_uint_eq(child->types[3].id, TYPE_BYTEA);
    ck_assert_uint_eq(child->types[4].id, TYPE_INT8);
    const Plan *scan = find_kind(child, PLAN_INDEX_SCAN);
    ck_assert_ptr_nonnull(scan);
    ck_assert_uint_eq(scan->scan_count, 5);
    ck_assert_int_eq(scan->scan_attnums[3], CAT_ATTNUM_ROWKEY);
    ck_assert_int_eq(scan->scan_attnums[4], CAT_ATTNUM_XID);
    ck_assert_uint_eq(update->dml.set_count, 3);
    ck_assert_ptr_null(update->dml.set_exprs[0]);
    ck_assert_ptr_nonnull(update->dml.set_exprs[1]);
    ck_assert_ptr_null(update->dml.set_exprs[2]);
    ck_assert_ptr_nonnull(update->dml.recheck);
    ck_assert_int_eq(update->dml.recheck->kind, EXPR_AND);
    ck_assert(update->dml.recheck_with_child);
    planned = plan_ok("DELETE FROM t USING u WHERE t.b = u.x RETURNING *");
    const Plan *delete_ = planned->root;
    ck_assert_int_eq(delete_->kind, PLAN_DELETE);
    ck_assert_uint_eq(delete_->left->column_count, 3 + 2 + 3);
    ck_assert_uint_eq(delete_->left->types[5].id, TYPE_INT4);   /* u.x after row key, xid */
    ck_assert(!delete_->dml.recheck_with_child);
    ck_assert_ptr_null(delete_->dml.recheck);
    /* RETURNING * names every table of the statement, as in PostgreSQL: t's, then u's */
    ck_assert_uint_eq(planned->column_count, 6);
    ck_assert_str_eq(planned->columns[2].name, "c");
    ck_assert_str_eq(planned->columns[3].name, "x");
    ck_assert_uint_eq(planned->table_count, 2);
    expect_error("UPDATE t SET nope = 1", "42703",
                 "column \"nope\" of relation \"t\" does not exist");
    expect_error("UPDATE t SET b = 1, b = 2", "42601",
                 "multiple assignments to same column \"b\"");
}
END_TEST

START_TEST(test_plan_using_and_star)
{
    PlannedStmt *planned = plan_ok("SELECT * FROM j1 JOIN j2 USING (b)");
    ck_assert_uint_eq(planned->column_count, 3);
    ck_assert_str_eq(planned->columns[0].name, "b");
    ck_assert_str_eq(planned->columns[1].name, "a");
    ck_assert_str_eq(planned->columns[2].name, "a");
    planned = plan_ok("SELECT b, j2.b FROM j1 FULL JOIN j2 USING (b)");
    const Plan *project = find_kind(planned->root, PLAN_PROJECT);
    ck_assert_ptr_nonnull(project);
    ck_assert_int_eq(find_kind(planned->root, PLAN_HASH_JOIN)->join_type, JOIN_FULL);
    bool found_coalesce = false;
    for (const Plan *node = planned->root; node != NULL; node = node->left) {
        if (node->kind != PLAN_PROJECT) continue;
        for (uint32_t col_idx = 0; col_idx < node->column_count; col_idx++) {
            found_coalesce |= node->exprs[col_idx]->kind == EXPR_COALESCE;
        }
    }
    ck_assert(found_coalesce);
    planned = plan_ok("SELECT * FROM j1 NATURAL JOIN j2");
    ck_assert_uint_eq(planned->column_count, 2);
    expect_error("SELECT * FROM j1 JOIN u USING (a)", "42703",
                 "column \"a\" specified in USING clause does not exist in right table");
    expect_error("SELECT * FROM t, t", "42712", "table name \"t\" specified more than once");
    expect_error("SELECT a FROM j1, j2", "42702", "column reference \"a\" is ambiguous");
    expect_error("SELECT *", "42601", "SELECT * with no tables specified is not valid");
    planned = plan_ok("SELECT x.* FROM j1 AS x(p, q)");
    ck_assert_str_eq(planned->columns[0].name, "p");
    ck_assert_str_eq(planned->columns[1].name, "q");
}
END_TEST

START_TEST(test_plan_with_and_subqueries)
{
    PlannedStmt *planned = plan_ok("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                                   "FROM r WHERE n < 10) SELECT n FROM r");
    ck_assert_uint_eq(planned->cte_count, 1);
    ck_assert_int_eq(planned->ctes[0]->kind, PLAN_RECURSIVE_UNION);
    ck_assert(planned->ctes[0]->setop_all);
    ck_assert_int_eq(count_kind(planned->ctes[0]->right, PLAN_WORK_SCAN), 1);
    ck_assert_int_eq(count_kind(planned->root, PLAN_CTE_SCAN), 1);
    expect_error("WITH RECURSIVE bad(n) AS (SELECT 1 UNION ALL SELECT count(*) FROM bad) "
                 "SELECT * FROM bad", "42P19",
                 "aggregate functions are not allowed in a recursive query's recursive term");
    expect_error("WITH RECURSIVE bad(n) AS (SELECT 1 UNION ALL SELECT b1.n FROM bad b1, bad b2) "
                 "SELECT * FROM bad", "42P19", NULL);
    planned = plan_ok("WITH w AS (SELECT a FROM t) SELECT * FROM w AS p, w AS q WHERE p.a = q.a");
    ck_assert_uint_eq(planned->cte_count, 1);
    ck_assert_int_eq(count_kind(planned->root, PLAN_CTE_SCAN), 2);
    planned = plan_ok("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.a)");
    const Plan *scan = find_kind(planned->root, PLAN_SEQ_SCAN);
    ck_assert_ptr_nonnull(scan->filter);
    ck_assert_int_eq(scan->filter->kind, EXPR_SUBPLAN);
    ck_assert_uint_eq(scan->filter->arg_count, 1);
    ck_assert_int_eq(count_kind(scan->filter->subplan, PLAN_INDEX_SCAN), 1);
    planned = plan_ok("SELECT (SELECT max(x) FROM u) AS m, $1, $2::int8 FROM t WHERE c = $3");
    ck_assert_uint_eq(planned->param_count, 3);
    ck_assert_uint_eq(planned->param_types[0].id, TYPE_TEXT);
    ck_assert_uint_eq(planned->param_types[1].id, TYPE_INT8);
    ck_assert_uint_eq(planned->param_types[2].id, TYPE_TEXT);
    ck_assert_str_eq(planned->columns[0].name, "m");
    /* correlation: one outer_args list per level, shared by its branches and FROM subqueries */
    planned = plan_ok("SELECT (SELECT t.a UNION SELECT t.b LIMIT 1) FROM t");
    const Expr *sub = planned->root->exprs[0];
    ck_assert_int_eq(sub->kind, EXPR_SUBPLAN);
    ck_assert_uint_eq(sub->arg_count, 2);
    const Plan *setop = find_kind(sub->subplan, PLAN_SETOP);
    ck_assert_int_eq(setop->left->exprs[0]->kind, EXPR_OUTER);
    ck_assert_uint_eq(setop->left->exprs[0]->outer_idx, 0);
    ck_assert_uint_eq(setop->right->exprs[0]->outer_idx, 1);
    planned = plan_ok("SELECT (SELECT s.k + t.b FROM (SELECT t.a AS k) AS s) FROM t");
    sub = planned->root->exprs[0];
    ck_assert_uint_eq(sub->arg_count, 2);
    planned = plan_ok("SELECT a FROM t WHERE b = (SELECT max(y) FROM u WHERE u.x = t.a "
                      "AND u.z IN (SELECT c FROM t AS t2 WHERE t2.a = t.b))");
    sub = find_kind(planned->root, PLAN_SEQ_SCAN)->filter->args[1];
    ck_assert_int_eq(sub->kind, EXPR_SUBPLAN);
    ck_assert_uint_eq(sub->arg_count, 2);     /* t.a, and t.b passed through for the inner one */
    planned = plan_ok("SELECT s.k FROM (SELECT a AS k FROM t) AS s WHERE s.k > 3");
    ck_assert_uint_eq(planned->column_count, 1);
    expect_error("SELECT 1 FROM nope", "42P01", "relation \"nope\" does not exist");
    expect_plan("SELECT g FROM generate_series(1, 10, 3) AS g",
                "Recursive Union\n"
                "  ->  Filter\n"
                "        Filter: (generate_series <= 10)\n"
                "        ->  Values Scan on \"*VALUES*\"\n"
                "  ->  Filter\n"
                "        Filter: (generate_series <= 10)\n"
                "        ->  WorkTable Scan\n");
    planned = plan_ok("SELECT g * 2 FROM generate_series(1, $1::int8) AS g");
    ck_assert_uint_eq(planned->columns[0].type.id, TYPE_INT8);
    planned = plan_ok("SELECT generate_series FROM generate_series(5, 1, -1)");
    const Plan *series = find_kind(planned->root, PLAN_RECURSIVE_UNION);
    ck_assert_str_eq(series->right->filter->name, ">=");
    expect_error("SELECT 1 FROM unnest(1)", "42883", "function unnest(integer) does not exist");
    expect_error("SELECT count(*) FROM t FOR UPDATE", "0A000",
                 "FOR UPDATE is not allowed with aggregate functions");
    planned = plan_ok("SELECT a FROM t, u WHERE t.a = u.x FOR SHARE OF u");
    ck_assert(planned->for_update);
    ck_assert_int_eq(find_kind(planned->root, PLAN_SEQ_SCAN)->lock_rows, 0);
    const Plan *locked = find_kind(planned->root, PLAN_HASH_JOIN);
    const Plan *u_scan = strcmp(locked->left->table->name, "u") == 0 ? locked->left
                                                                      : locked->right;
    ck_assert_int_eq(u_scan->lock_rows, LOCK_FOR_SHARE + 1);
    /* uncorrelated IN becomes a semi join; NOT IN and correlated IN stay subplans */
    expect_plan("SELECT a FROM t WHERE b IN (SELECT y FROM u WHERE z = 'k') AND a > 0",
                "Hash Semi Join\n"
                "  Hash Cond: (b = y)\n"
                "  ->  Index Scan using t_pkey on t\n"
                "        Index Cond: (a > 0)\n"
                "        Filter: (a > 0)\n"
                "  ->  Seq Scan on u\n"
                "        Filter: (z = 'k'::text)\n");
    planned = plan_ok("SELECT a FROM t WHERE b NOT IN (SELECT y FROM u)");
    ck_assert_int_eq(count_kind(planned->root, PLAN_HASH_JOIN), 0);
    planned = plan_ok("SELECT a FROM t WHERE b IN (SELECT y FROM u WHERE u.x = t.a)");
    ck_assert_int_eq(count_kind(planned->root, PLAN_HASH_JOIN), 0);
}
END_TEST

START_TEST(test_plan_explain_costs_and_stats)
{
    PlannedStmt *planned = plan_ok("SELECT a FROM t WHERE b = 1");
    const char *text = explain_text(planned, true);
    ck_assert_msg(strncmp(text, "Seq Scan on t  (cost=0.00..", 27) == 0, "%s", text);
    ck_assert_msg(strstr(text, "rows=5 width=8)") != NULL, "%s", text);
    ck_assert_uint_eq(plan_node_count(planned), 2);   /* project + scan */
    planned = plan_ok("SELECT a, (SELECT count(*) FROM u WHERE u.x = t.a) FROM t");
    size_t count = plan_node_count(planned);
    ck_assert_uint_eq(count, 5);    /* project, scan, subplan: project, aggregate, scan */
    PlanNodeStats stats[5] = { { 1, 1, 0.5 }, { 10, 1, 0.4 }, { 1, 10, 0.1 }, { 1, 10, 0.1 },
                               { 3, 10, 0.05 } };
    const char **lines = NULL;
    size_t line_count = 0;
    OK(plan_explain(db.arena, planned, stats, count, false, false, &lines, &line_count));
    ck_assert_uint_eq(line_count, 6);
    ck_assert_str_eq(lines[0], "Seq Scan on t  (actual time=0.000..0.400 rows=10 loops=1)");
    ck_assert_str_eq(lines[1], "  SubPlan 1");
    ck_assert_str_eq(lines[2], "    ->  Aggregate  (actual time=0.000..0.100 rows=0 loops=10)");
    OK(plan_explain(db.arena, planned, NULL, 0, true, false, &lines, &line_count));
    ck_assert_str_eq(lines[0], "Result");
    ck_assert_str_eq(lines[1], "  Output: a, (SubPlan 1)");
}
END_TEST

START_TEST(test_plan_table_expr)
{
    AstStmtList *stmts = NULL;
    OK(parse_sql(db.arena, "SELECT b > 0 AND c <> ''", &stmts));
    const AstTarget *target = stmts->stmts[0]->u.select->targets->items[0];
    const CatTable *table = NULL;
    OK(catalog_lookup(db.catalog, db.txn, CAT_OID_PUBLIC, "t", &table));
    PlanCtx ctx = { .arena = db.arena, .catalog = db.catalog, .txn = db.txn,
                    .search_path = SEARCH_PATH, .search_path_count = 1,
                    .resolver = &TEST_RESOLVER };
    Expr *expr = NULL;
    OK(plan_table_expr(&ctx, table, target->expr, type_plain(TYPE_BOOL), &expr));
    ck_assert_uint_eq(expr->type.id, TYPE_BOOL);
    ck_assert_int_eq(expr->kind, EXPR_AND);
    OK(parse_sql(db.arena, "SELECT 7", &stmts));
    target = stmts->stmts[0]->u.select->targets->items[0];
    OK(plan_table_expr(&ctx, NULL, target->expr, type_plain(TYPE_INT8), &expr));
    ck_assert_uint_eq(expr->type.id, TYPE_INT8);
    OK(parse_sql(db.arena, "SELECT b", &stmts));
    target = stmts->stmts[0]->u.select->targets->items[0];
    Error *err = plan_table_expr(&ctx, NULL, target->expr, type_plain(TYPE_INT8), &expr);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "42703");
    err_free(err);
}
END_TEST

static Suite *plan_suite(void)
{
    Suite *suite = suite_create("plan");
    TCase *tcase = tcase_create("core");
    tcase_add_checked_fixture(tcase, db_setup, db_teardown);
    tcase_set_timeout(tcase, 60);
    tcase_add_test(tcase, test_plan_simple_shapes);
    tcase_add_test(tcase, test_plan_join_order_comma_five_tables);
    tcase_add_test(tcase, test_plan_index_selection);
    tcase_add_test(tcase, test_plan_grouping_errors);
    tcase_add_test(tcase, test_plan_order_by);
    tcase_add_test(tcase, test_plan_set_operations);
    tcase_add_test(tcase, test_plan_insert_defaults_and_casts);
    tcase_add_test(tcase, test_plan_update_delete_layout);
    tcase_add_test(tcase, test_plan_using_and_star);
    tcase_add_test(tcase, test_plan_with_and_subqueries);
    tcase_add_test(tcase, test_plan_explain_costs_and_stats);
    tcase_add_test(tcase, test_plan_table_expr);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(plan_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
