/* executor/ddl_alter.c: ALTER TABLE and CREATE INDEX, and what both need: building an index
 * from a table's rows and verifying a new constraint against them.
 *
 * ADD COLUMN with a DEFAULT: a default without volatile parts (no nextval, no subquery, no
 * random()) is evaluated once and stored as the layout's missing value, so old rows need no
 * rewrite (PostgreSQL 11+'s fast default); any other default is evaluated per existing row
 * and the rows are rewritten in the transaction.
 */
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "executor/ddl_int.h"
#include "parser/parse.h"
#include "parser/tok.h"

enum { DDL_SCAN_ARENA_SIZE = 16 * 1024 };

static const char *last_part(const AstList *names)
{
    return names->items[names->count - 1];
}

/* ------------------------------------------------------------ row scans ---- */

/* ScanRow: called per visible row of a table with the row decoded into a one-row chunk. */
typedef Error *ScanRowFn(void *state, const uint8_t *key, size_t key_size,
                         const uint8_t *record, size_t record_size, DataChunk *row,
                         Arena *scratch);

static Error *check_interrupt(DdlRun *run)
{
    atomic_int *interrupt = run->ctx->interrupt;
    if (interrupt == NULL || atomic_load(interrupt) == 0) return NULL;
    return err_new(SQLSTATE_QUERY_CANCELED, atomic_load(interrupt) == 2
                                                ? "canceling statement due to statement timeout"
                                                : "canceling statement due to user request");
}

static Error *scan_rows(DdlRun *run, const CatTable *table, ScanRowFn *fn, void *state)
{
    Arena *scratch = arena_create(DDL_SCAN_ARENA_SIZE);
    if (scratch == NULL) return ddl_oom();
    TxnCursor *cursor = NULL;
    Error *err = txn_cursor_open(run->ctx->txn, table->tree, NULL, 0, NULL, 0, &cursor);
    for (uint64_t row_count = 0; err == NULL; row_count++) {
        if (row_count % VEC_VALUE_COUNT_MAX == 0) {
            err = check_interrupt(run);
            if (err != NULL) break;
        }
        bool found = false;
        err = txn_cursor_next(cursor, &found);
        if (err != NULL || !found) break;
        arena_reset(scratch);
        size_t key_size = 0;
        size_t record_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        DataChunk row;
        err = dml_decode_row(table, key, key_size, record, record_size, scratch, &row);
        if (err == NULL) err = fn(state, key, key_size, record, record_size, &row, scratch);
    }
    if (cursor != NULL) txn_cursor_close(cursor);
    arena_destroy(scratch);
    return err;
}

/* ------------------------------------------------------------ index build ---- */

typedef struct IndexBuild {
    DdlRun         *run;
    const CatTable *table;
    const CatIndex *index;
} IndexBuild;

static Error *index_build_row(void *state, const uint8_t *key, size_t key_size,
                              const uint8_t *record, size_t record_size, DataChunk *row,
                              Arena *scratch)
{
    (void)record;
    (void)record_size;
    IndexBuild *build = state;
    const CatIndex *index = build->index;
    uint8_t memory[DML_KEY_BUF_SIZE];
    KeyBuf entry;
    key_buf_init(&entry, memory, sizeof memory);
    size_t unique_prefix = 0;
    TRY(dml_index_entry(index, row->columns, 0, key, key_size, &entry, &unique_prefix));
    Error *err = txn_index_insert(build->run->ctx->txn, index->tree, entry.bytes, entry.size,
                                  unique_prefix);
    if (err == NULL || err->state != SQLSTATE_UNIQUE_VIOLATION) return err;
    err_free(err);
    err = err_new(SQLSTATE_UNIQUE_VIOLATION, "could not create unique index \"%s\"",
                  index->name);
    const char *detail = NULL;
    Error *detail_err = dml_key_detail(build->table, index->key_count, index->attnums,
                                       row->columns, NULL, 0, build->run->ctx->dt, scratch,
                                       &detail);
    if (detail_err != NULL) {
        err_free(detail_err);
        return err;
    }
    return err_set_detail(err, "Key %s is duplicated.", detail);
}

Error *ddl_build_index(DdlRun *run, const CatTable *table, const CatIndex *index)
{
    IndexBuild build = { .run = run, .table = table, .index = index };
    return scan_rows(run, table, index_build_row, &build);
}

static const CatIndex *index_by_oid(const CatTable *table, uint32_t oid)
{
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        if (table->indexes[index_idx]->oid == oid) return table->indexes[index_idx];
    }
    return NULL;
}

static const CatIndex *index_by_name(const CatTable *table, const char *name)
{
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        if (strcmp(table->indexes[index_idx]->name, name) == 0) return table->indexes[index_idx];
    }
    return NULL;
}

static Error *lookup_table(DdlRun *run, const AstList *names, const CatTable **table_out)
{
    TRY(ddl_lookup(run, names, table_out));
    if (*table_out == NULL) {
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist",
                       last_part(names));
    }
    if ((*table_out)->kind != CAT_KIND_TABLE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", (*table_out)->name);
    }
    return NULL;
}

Error *ddl_create_index(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstCreateIndex *create = stmt->u.create_index;
    const CatTable *table = NULL;
    TRY(lookup_table(run, create->table, &table));
    if (create->where != NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "partial indexes are not supported");
    }
    if (create->method != NULL && strcmp(create->method, "btree") != 0) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "access method \"%s\" is not supported",
                       create->method);
    }
    if (create->name != NULL) {
        const CatTable *existing = NULL;
        TRY(catalog_lookup(ctx->catalog, ctx->txn, table->namespace_oid, create->name,
                           &existing));
        if (existing != NULL) {
            if (create->if_not_exists) {
                ddl_notice(run, SQLSTATE_DUPLICATE_TABLE,
                           "relation \"%s\" already exists, skipping", create->name);
                return NULL;
            }
            return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists",
                           create->name);
        }
    }
    TRY(ddl_lock(run, table->oid, LOCK_SHARE));
    int count = ast_list_count(create->columns);
    int16_t *attnums = arena_calloc(ctx->arena, sizeof(int16_t) * (size_t)(count + 1));
    bool *descending = arena_calloc(ctx->arena, sizeof(bool) * (size_t)(count + 1));
    bool *nulls_first = arena_calloc(ctx->arena, sizeof(bool) * (size_t)(count + 1));
    if (attnums == NULL || descending == NULL || nulls_first == NULL) return ddl_oom();
    for (int key_idx = 0; key_idx < count; key_idx++) {
        const AstSortBy *item = create->columns->items[key_idx];
        if (item->expr->kind != AST_EXPR_COLUMN || item->expr->names->count != 1) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "index expressions are not supported");
        }
        const char *name = item->expr->names->items[0];
        attnums[key_idx] = ddl_column_attnum(table, name);
        if (attnums[key_idx] == 0) {
            return err_at(SQLSTATE_UNDEFINED_COLUMN, item->expr->position,
                          "column \"%s\" does not exist", name);
        }
        descending[key_idx] = item->dir == AST_SORT_DESC;
        nulls_first[key_idx] = item->nulls == AST_NULLS_DEFAULT ? descending[key_idx]
                                                                : item->nulls == AST_NULLS_FIRST;
    }
    CatIndexDef def = {
        .name = create->name,
        .table_oid = table->oid,
        .unique = create->unique,
        .key_count = (uint16_t)count,
        .attnums = attnums,
        .descending = descending,
        .nulls_first = nulls_first,
    };
    uint32_t oid = 0;
    TRY(catalog_create_index(ctx->catalog, ctx->txn, &def, &oid));
    TRY(catalog_get(ctx->catalog, ctx->txn, table->oid, &table));
    const CatIndex *index = table != NULL ? index_by_oid(table, oid) : NULL;
    if (index == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "created index vanished");
    return ddl_build_index(run, table, index);
}

/* ------------------------------------------------------------ constraint checks ---- */

typedef struct Verify {
    DdlRun              *run;
    ExecCtx             *exec;
    const CatTable      *table;
    const CatConstraint *constraint;
    ExprState           *check;
    int16_t              attnum;      /* NOT NULL verification */
    bool                 found_null;
} Verify;

static Error *verify_row(void *state, const uint8_t *key, size_t key_size,
                         const uint8_t *record, size_t record_size, DataChunk *row,
                         Arena *scratch)
{
    (void)key;
    (void)key_size;
    (void)record;
    (void)record_size;
    Verify *verify = state;
    if (verify->attnum > 0) {
        if (vec_is_null(&row->columns[verify->attnum - 1], 0)) verify->found_null = true;
        return NULL;
    }
    const CatConstraint *con = verify->constraint;
    if (con->kind == CAT_CONSTR_FOREIGN) {
        return dml_check_fk(verify->exec, scratch, verify->table, con, row->columns, 0);
    }
    Vector result;
    TRY(expr_eval(verify->check, row, scratch, &result));
    uint32_t idx = 0;
    if (!vec_is_null(&result, idx) && vec_bool(&result)[idx] == 0) {
        return err_new(SQLSTATE_CHECK_VIOLATION,
                       "check constraint \"%s\" of relation \"%s\" is violated by some row",
                       con->name, verify->table->name);
    }
    return NULL;
}

static Error *compile_check(DdlRun *run, ExecCtx *exec, const CatTable *table, const char *sql,
                            ExprState **state_out)
{
    size_t size = strlen(sql) + 8;
    char *text = arena_alloc(run->ctx->arena, size);
    if (text == NULL) return ddl_oom();
    snprintf(text, size, "SELECT %s", sql);
    AstStmtList *stmts = NULL;
    TRY(parse_sql(run->ctx->arena, text, &stmts));
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT ||
        ast_list_count(stmts->stmts[0]->u.select->targets) != 1) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "syntax error in check constraint");
    }
    const AstTarget *target = stmts->stmts[0]->u.select->targets->items[0];
    PlanCtx plan_ctx = ddl_plan_ctx(run);
    plan_ctx.sql = text;
    Expr *expr = NULL;
    TRY(plan_table_expr(&plan_ctx, table, target->expr, type_plain(TYPE_BOOL), &expr));
    return expr_prepare(exec, expr, state_out);
}

static Error *verify_not_null(DdlRun *run, const CatTable *table, int16_t attnum)
{
    Verify verify = { .run = run, .table = table, .attnum = attnum };
    TRY(scan_rows(run, table, verify_row, &verify));
    if (!verify.found_null) return NULL;
    Error *err = err_new(SQLSTATE_NOT_NULL_VIOLATION,
                         "column \"%s\" of relation \"%s\" contains null values",
                         table->columns[attnum - 1].name, table->name);
    return err_set_object(err, table->namespace_name, table->name,
                          table->columns[attnum - 1].name, NULL);
}

Error *ddl_verify_constraint(DdlRun *run, uint32_t table_oid, const char *name, char kind)
{
    DdlCtx *ctx = run->ctx;
    const CatTable *table = NULL;
    TRY(catalog_get(ctx->catalog, ctx->txn, table_oid, &table));
    if (table == NULL) return NULL;
    const CatConstraint *con = NULL;
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        const CatConstraint *candidate = &table->constraints[con_idx];
        if (candidate->kind != kind) continue;
        if (name != NULL && strcmp(candidate->name, name) != 0) continue;
        con = candidate;   /* without a name: the newest of that kind */
    }
    if (con == NULL) return NULL;
    if (kind == CAT_CONSTR_PRIMARY || kind == CAT_CONSTR_UNIQUE) {
        /* PostgreSQL builds the unique index (23505) before its phase-3 scan checks the new
         * NOT NULL (23502): a key with both duplicates and NULLs reports the duplicates */
        const CatIndex *index = index_by_oid(table, con->index_oid);
        if (index == NULL) index = index_by_name(table, con->name);
        if (index != NULL) TRY(ddl_build_index(run, table, index));
        if (kind == CAT_CONSTR_PRIMARY) {
            for (uint16_t key_idx = 0; key_idx < con->column_count; key_idx++) {
                TRY(verify_not_null(run, table, con->attnums[key_idx]));
            }
        }
        return NULL;
    }
    Verify verify = { .run = run, .table = table, .constraint = con };
    TRY(ddl_exec_ctx(run, NULL, &verify.exec));
    if (kind == CAT_CONSTR_CHECK) {
        TRY(compile_check(run, verify.exec, table, con->check_sql, &verify.check));
    }
    return scan_rows(run, table, verify_row, &verify);
}

/* ------------------------------------------------------------ ADD COLUMN ---- */

static bool expr_is_volatile(const Expr *expr)
{
    if (expr == NULL) return false;
    switch (expr->kind) {
    case EXPR_SEQ_NEXT:
    case EXPR_SEQ_SET:
    case EXPR_SUBPLAN:
    case EXPR_FUNC_SPECIAL:
        return true;
    case EXPR_CALL:
        if (expr->name != NULL &&
            (strcmp(expr->name, "random") == 0 || strcmp(expr->name, "gen_random_uuid") == 0 ||
             strcmp(expr->name, "clock_timestamp") == 0)) {
            return true;
        }
        break;
    default:
        break;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        if (expr_is_volatile(expr->args[arg_idx])) return true;
    }
    return false;
}

/* missing_value: the default's one value in the row format of the column (a one-column table
 * encoded with the row codec, then read back with row_column). */
static Error *missing_value(DdlRun *run, const CatColumnDef *def, const Vector *value,
                            RowValue *value_out, bool *has_value_out)
{
    Arena *arena = run->ctx->arena;
    *has_value_out = false;
    if (vec_is_null(value, 0)) return NULL;
    RowKind kind = catalog_row_kind(def->type);
    RowLayout *layout = NULL;
    TRY(row_layout_new(arena, &kind, 1, &layout));
    CatColumn column = { .name = def->name, .type = def->type, .attnum = 1 };
    CatTable one = { .name = "default", .kind = CAT_KIND_TABLE, .column_count = 1,
                     .columns = &column, .layout = layout };
    uint8_t *record = NULL;
    size_t record_size = 0;
    TRY(rowcodec_encode(&one, value, 0, arena, &record, &record_size));
    TRY(row_column(layout, record, record_size, 0, value_out));
    *has_value_out = !value_out->is_null;
    return NULL;
}

typedef struct Rewrite {
    DdlRun         *run;
    const CatTable *table;
    int16_t         attnum;
    ExprState      *state;
} Rewrite;

static Error *rewrite_row(void *state, const uint8_t *key, size_t key_size,
                          const uint8_t *record, size_t record_size, DataChunk *row,
                          Arena *scratch)
{
    Rewrite *rewrite = state;
    RowHeader header;
    TRY(row_header_read(record, record_size, &header));
    Vector value;
    TRY(expr_eval_const(rewrite->state, scratch, &value));
    Vector *column = &row->columns[rewrite->attnum - 1];
    Vector fresh;
    vec_init(&fresh, column->type, scratch);
    TRY(vec_reserve(&fresh, 1));
    if (fresh.phys == value.phys && fresh.numeric_scale == value.numeric_scale) {
        TRY(vec_copy_row(&fresh, 0, &value, 0));
    } else if (vec_is_null(&value, 0)) {
        TRY(vec_set_null(&fresh, 0));
    } else {
        Numeric num;
        TRY(vec_numeric_get(&value, 0, scratch, &num));
        vec_init_phys(&fresh, column->type, VEC_PHYS_NUMERIC, 0, scratch);
        TRY(vec_reserve(&fresh, 1));
        TRY(vec_numeric_set(&fresh, 0, &num));
    }
    *column = fresh;
    uint8_t *new_record = NULL;
    size_t new_size = 0;
    TRY(rowcodec_encode(rewrite->table, row->columns, 0, scratch, &new_record, &new_size));
    TxnRowResult result;
    TRY(txn_row_update(rewrite->run->ctx->txn, rewrite->table->tree, key, key_size, header.xid,
                       new_record, new_size, &result));
    txn_row_result_free(&result);
    return NULL;
}

/* plan_default: def's DEFAULT text planned as an expression of def's type (no columns). */
static Error *plan_default(DdlRun *run, const CatColumnDef *def, Expr **expr_out)
{
    size_t size = strlen(def->default_sql) + 8;
    char *text = arena_alloc(run->ctx->arena, size);
    if (text == NULL) return ddl_oom();
    snprintf(text, size, "SELECT %s", def->default_sql);
    AstStmtList *stmts = NULL;
    TRY(parse_sql(run->ctx->arena, text, &stmts));
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT ||
        ast_list_count(stmts->stmts[0]->u.select->targets) != 1) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "syntax error in DEFAULT expression");
    }
    const AstTarget *target = stmts->stmts[0]->u.select->targets->items[0];
    PlanCtx plan_ctx = ddl_plan_ctx(run);
    plan_ctx.sql = text;
    return plan_table_expr(&plan_ctx, NULL, target->expr, def->type, expr_out);
}

static Error *add_column(DdlRun *run, const CatTable *table, const AstAlterCmd *cmd)
{
    DdlCtx *ctx = run->ctx;
    const AstColumnDef *column = cmd->column;
    if (ddl_column_attnum(table, column->name) != 0) {
        if (cmd->if_not_exists) {
            ddl_notice(run, SQLSTATE_DUPLICATE_COLUMN,
                       "column \"%s\" of relation \"%s\" already exists, skipping",
                       column->name, table->name);
            return NULL;
        }
        return err_new(SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already "
                       "exists", column->name, table->name);
    }
    CatColumnDef def = { .name = column->name };
    int16_t attnum = (int16_t)(table->column_count + 1);
    bool serial = ddl_serial_type(column->type, &def.type);
    if (!serial) TRY(plan_type_from_ast(column->type, &def.type));
    const AstList *identity_options = NULL;
    int constraint_count = ast_list_count(column->constraints);
    for (int con_idx = 0; con_idx < constraint_count; con_idx++) {
        const AstConstraint *constraint = column->constraints->items[con_idx];
        if (constraint->kind == AST_CONSTR_NOT_NULL) def.not_null = true;
        if (constraint->kind == AST_CONSTR_PRIMARY_KEY) def.not_null = true;
        if (constraint->kind == AST_CONSTR_IDENTITY) {
            serial = true;
            def.identity = constraint->identity_always ? 'a' : 'd';
            identity_options = constraint->options;
        }
        if (constraint->kind == AST_CONSTR_DEFAULT) {
            int stop = 0;
            for (int other_idx = 0; other_idx < constraint_count; other_idx++) {
                const AstConstraint *other = column->constraints->items[other_idx];
                if (other->position > constraint->position &&
                    (stop == 0 || other->position < stop)) {
                    stop = other->position;
                }
            }
            TRY(ddl_expr_text(run, constraint->position, stop, &def.default_sql));
        }
        if (constraint->kind == AST_CONSTR_GENERATED) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "generated columns are not supported");
        }
    }
    if (serial) {
        def.not_null = true;
        TRY(ddl_serial_default(run, table->namespace_oid, table->name, column->name,
                               &def.default_sql));
    }
    ExecCtx *exec = NULL;
    TRY(ddl_exec_ctx(run, NULL, &exec));
    /* a SERIAL's sequence needs the column (its owner), so it is created after the column and
     * its default is evaluated per row; other defaults are planned first */
    Expr *default_expr = NULL;
    if (def.default_sql != NULL && !serial) TRY(plan_default(run, &def, &default_expr));
    bool volatile_default = serial || expr_is_volatile(default_expr);
    RowValue value = { .is_null = true };
    bool has_value = false;
    ExprState *state = NULL;
    if (default_expr != NULL && !volatile_default) {
        TRY(expr_prepare(exec, default_expr, &state));
        Vector once;
        TRY(expr_eval_const(state, ctx->arena, &once));
        TRY(missing_value(run, &def, &once, &value, &has_value));
    }
    bool not_null = def.not_null;
    def.not_null = false;   /* verified after the rows have their values */
    TRY(catalog_add_column(ctx->catalog, ctx->txn, table->oid, &def,
                           has_value ? &value : NULL));
    if (serial) {
        TRY(ddl_sequence_for_column(run, table->namespace_oid, table->name, column->name,
                                    def.type, table->oid, attnum, identity_options));
        TRY(plan_default(run, &def, &default_expr));
    }
    const CatTable *altered = NULL;
    TRY(catalog_get(ctx->catalog, ctx->txn, table->oid, &altered));
    if (volatile_default) {
        TRY(expr_prepare(exec, default_expr, &state));
        Rewrite rewrite = { .run = run, .table = altered, .attnum = attnum, .state = state };
        TRY(scan_rows(run, altered, rewrite_row, &rewrite));
    }
    if (not_null) {
        TRY(verify_not_null(run, altered, attnum));
        TRY(catalog_set_not_null(ctx->catalog, ctx->txn, table->oid, attnum, true));
    }
    for (int con_idx = 0; con_idx < constraint_count; con_idx++) {
        const AstConstraint *constraint = column->constraints->items[con_idx];
        if (constraint->kind != AST_CONSTR_PRIMARY_KEY && constraint->kind != AST_CONSTR_UNIQUE &&
            constraint->kind != AST_CONSTR_CHECK && constraint->kind != AST_CONSTR_FOREIGN_KEY) {
            continue;
        }
        CatConstraintDef con;
        bool self_ref = false;
        TRY(ddl_constraint_def(run, constraint, NULL, attnum, table->oid, table->name,
                               table->namespace_oid, &con, &self_ref));
        TRY(catalog_add_constraint(ctx->catalog, ctx->txn, table->oid, &con));
        TRY(ddl_verify_constraint(run, table->oid, con.name, con.kind));
    }
    return NULL;
}

/* ------------------------------------------------------------ other commands ---- */

static Error *column_or_error(const CatTable *table, const char *name, int16_t *attnum_out)
{
    *attnum_out = ddl_column_attnum(table, name);
    if (*attnum_out != 0) return NULL;
    return err_new(SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist",
                   name, table->name);
}

static const CatConstraint *constraint_named(const CatTable *table, const char *name)
{
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        if (strcmp(table->constraints[con_idx].name, name) == 0) {
            return &table->constraints[con_idx];
        }
    }
    return NULL;
}

/* set_default_text: the expression after DEFAULT in ALTER ... SET DEFAULT (cmd position is
 * the ALTER keyword of the command). */
static Error *set_default_text(DdlRun *run, const AstAlterCmd *cmd, const char **text_out)
{
    Tokenizer tok;
    tok_init(&tok, run->ctx->arena, run->ctx->sql);
    tok.offset = (size_t)(cmd->position > 0 ? cmd->position - 1 : 0);
    for (int token_idx = 0; token_idx < 64; token_idx++) {
        Token token;
        TRY(tok_next(&tok, &token));
        if (token.kind == TOK_EOF) break;
        if (token.kind == TOK_IDENT && !token.quoted && strcmp(token.text, "default") == 0) {
            return ddl_expr_text(run, token.position, 0, text_out);
        }
    }
    return err_new(SQLSTATE_SYNTAX_ERROR, "syntax error: SET DEFAULT without an expression");
}

static Error *add_table_constraint(DdlRun *run, const CatTable *table, const AstAlterCmd *cmd)
{
    DdlCtx *ctx = run->ctx;
    CatConstraintDef def;
    bool self_ref = false;
    TRY(ddl_constraint_def(run, cmd->constraint, NULL, 0, table->oid, table->name,
                           table->namespace_oid, &def, &self_ref));
    if (def.name != NULL && constraint_named(table, def.name) != NULL) {
        return err_new(SQLSTATE_DUPLICATE_OBJECT,
                       "constraint \"%s\" for relation \"%s\" already exists", def.name,
                       table->name);
    }
    /* NOT NULL of a new primary key is verified after its index is built (PostgreSQL's
     * order: duplicates report 23505 before NULLs report 23502), in ddl_verify_constraint */
    TRY(catalog_add_constraint(ctx->catalog, ctx->txn, table->oid, &def));
    if (def.kind == CAT_CONSTR_PRIMARY) {
        for (uint16_t key_idx = 0; key_idx < def.column_count; key_idx++) {
            TRY(catalog_set_not_null(ctx->catalog, ctx->txn, table->oid, def.attnums[key_idx],
                                     true));
        }
    }
    return ddl_verify_constraint(run, table->oid, def.name, def.kind);
}

/* alter_type_check_views: PostgreSQL refuses to change the type of a column a view reads. */
static Error *alter_type_check_views(DdlRun *run, const CatTable *table, int16_t attnum,
                                     const char *name)
{
    const CatTable **views = NULL;
    size_t count = 0;
    TRY(catalog_view_dependents(run->ctx->catalog, run->ctx->txn, table->oid, attnum,
                                run->ctx->arena, &views, NULL, &count));
    if (count == 0) return NULL;
    Error *err = err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                         "cannot alter type of a column used by a view or rule");
    return err_set_detail(err, "rule _RETURN on view %s depends on column \"%s\"",
                          views[0]->name, name);
}

/* rename_with_views: rename (a relation, or a column of it) with the query text of every view
 * that names it rewritten to the new name (planner.h plan_view_rename), in one transaction:
 * the texts are computed under the old names, written after the rename, and every rewritten
 * view must bind under the new ones. A view over a view over table is untouched: it names
 * the view, whose columns keep their names. */
static Error *rename_with_views(DdlRun *run, const CatTable *table, const PlanRename *rename)
{
    DdlCtx *ctx = run->ctx;
    const CatTable **views = NULL;
    uint32_t *via = NULL;
    size_t count = 0;
    TRY(catalog_view_dependents(ctx->catalog, ctx->txn, table->oid, rename->attnum, ctx->arena,
                                &views, &via, &count));
    const char **texts = arena_calloc(ctx->arena, (count + 1) * sizeof *texts);
    uint32_t *oids = arena_calloc(ctx->arena, (count + 1) * sizeof *oids);
    if (texts == NULL || oids == NULL) return ddl_oom();
    PlanCtx plan_ctx = ddl_plan_ctx(run);
    size_t rewritten = 0;
    for (size_t view_idx = 0; view_idx < count; view_idx++) {
        if (via[view_idx] != table->oid) continue;
        const char *text = NULL;
        TRY(plan_view_rename(&plan_ctx, views[view_idx], rename, &text));
        if (text == views[view_idx]->view_sql) continue;
        texts[rewritten] = text;
        oids[rewritten++] = views[view_idx]->oid;
    }
    if (rename->attnum > 0) {
        TRY(catalog_rename_column(ctx->catalog, ctx->txn, table->oid, rename->attnum,
                                  rename->new_name));
    } else {
        TRY(catalog_rename(ctx->catalog, ctx->txn, table->oid, rename->new_name));
    }
    for (size_t view_idx = 0; view_idx < rewritten; view_idx++) {
        TRY(catalog_set_view_sql(ctx->catalog, ctx->txn, oids[view_idx], texts[view_idx]));
        const CatTable *view = NULL;
        TRY(catalog_get(ctx->catalog, ctx->txn, oids[view_idx], &view));
        if (view == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "rewritten view vanished");
        const char *same = NULL;
        TRY(plan_view_rename(&plan_ctx, view, NULL, &same));
    }
    return NULL;
}

static Error *alter_cmd(DdlRun *run, const CatTable *table, const AstAlterCmd *cmd)
{
    DdlCtx *ctx = run->ctx;
    int16_t attnum = 0;
    switch (cmd->kind) {
    case AST_ALTER_ADD_COLUMN:
        return add_column(run, table, cmd);
    case AST_ALTER_DROP_COLUMN:
        attnum = ddl_column_attnum(table, cmd->name);
        if (attnum == 0 && cmd->if_exists) {
            ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION,
                       "column \"%s\" of relation \"%s\" does not exist, skipping", cmd->name,
                       table->name);
            return NULL;
        }
        TRY(column_or_error(table, cmd->name, &attnum));
        if (cmd->cascade) TRY(ddl_cascade_notice(run, table->oid, attnum));
        return catalog_drop_column(ctx->catalog, ctx->txn, table->oid, attnum, cmd->cascade);
    case AST_ALTER_RENAME_COLUMN:
        attnum = ddl_column_attnum(table, cmd->name);
        if (attnum == 0) {
            return err_new(SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" does not exist", cmd->name);
        }
        return rename_with_views(run, table, &(PlanRename){.rel_oid = table->oid,
                                                           .attnum = attnum,
                                                           .old_name = cmd->name,
                                                           .new_name = cmd->new_name});
    case AST_ALTER_RENAME_TABLE:
        return rename_with_views(run, table, &(PlanRename){.rel_oid = table->oid,
                                                           .new_name = cmd->new_name});
    case AST_ALTER_ADD_CONSTRAINT:
        return add_table_constraint(run, table, cmd);
    case AST_ALTER_DROP_CONSTRAINT:
        if (constraint_named(table, cmd->name) == NULL) {
            if (cmd->if_exists) {
                ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION,
                           "constraint \"%s\" of relation \"%s\" does not exist, skipping",
                           cmd->name, table->name);
                return NULL;
            }
            return err_new(SQLSTATE_UNDEFINED_OBJECT,
                           "constraint \"%s\" of relation \"%s\" does not exist", cmd->name,
                           table->name);
        }
        return catalog_drop_constraint(ctx->catalog, ctx->txn, table->oid, cmd->name);
    case AST_ALTER_SET_DEFAULT: {
        TRY(column_or_error(table, cmd->name, &attnum));
        if (cmd->expr == NULL) {
            return catalog_set_column_default(ctx->catalog, ctx->txn, table->oid, attnum, NULL);
        }
        const char *text = NULL;
        TRY(set_default_text(run, cmd, &text));
        PlanCtx plan_ctx = ddl_plan_ctx(run);
        Expr *expr = NULL;
        TRY(plan_table_expr(&plan_ctx, NULL, cmd->expr, table->columns[attnum - 1].type, &expr));
        return catalog_set_column_default(ctx->catalog, ctx->txn, table->oid, attnum, text);
    }
    case AST_ALTER_SET_NOT_NULL:
        TRY(column_or_error(table, cmd->name, &attnum));
        TRY(verify_not_null(run, table, attnum));
        return catalog_set_not_null(ctx->catalog, ctx->txn, table->oid, attnum, true);
    case AST_ALTER_DROP_NOT_NULL:
        TRY(column_or_error(table, cmd->name, &attnum));
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *con = &table->constraints[con_idx];
            if (con->kind != CAT_CONSTR_PRIMARY) continue;
            for (uint16_t key_idx = 0; key_idx < con->column_count; key_idx++) {
                if (con->attnums[key_idx] == attnum) {
                    return err_new(SQLSTATE_INVALID_TABLE_DEFINITION,
                                   "column \"%s\" is in a primary key", cmd->name);
                }
            }
        }
        return catalog_set_not_null(ctx->catalog, ctx->txn, table->oid, attnum, false);
    case AST_ALTER_SET_OPTIONS:
        for (int option_idx = 0; option_idx < ast_list_count(cmd->options); option_idx++) {
            const AstOption *option = cmd->options->items[option_idx];
            if (strcmp(option->name, "fillfactor") != 0 || option->value == NULL ||
                option->value->kind != AST_EXPR_INTEGER) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "unrecognized parameter \"%s\"", option->name);
            }
            int64_t value = option->value->int_value;
            if (value < 10 || value > 100) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "value %lld out of bounds for option \"fillfactor\"",
                               (long long)value);
            }
            TRY(catalog_set_fillfactor(ctx->catalog, ctx->txn, table->oid, (int)value));
        }
        return NULL;
    case AST_ALTER_OWNER:
        return NULL;
    case AST_ALTER_TYPE:
        TRY(column_or_error(table, cmd->name, &attnum));
        TRY(alter_type_check_views(run, table, attnum, cmd->name));
        break;
    default:
        break;
    }
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "this ALTER TABLE command is not supported");
}

Error *ddl_alter_table(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstAlterTable *alter = stmt->u.alter_table;
    const CatTable *table = NULL;
    TRY(ddl_lookup(run, alter->table, &table));
    if (table == NULL) {
        if (alter->if_exists) {
            ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION,
                       "relation \"%s\" does not exist, skipping", last_part(alter->table));
            return NULL;
        }
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist",
                       last_part(alter->table));
    }
    if (alter->view && table->kind != CAT_KIND_VIEW) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a view", table->name);
    }
    TRY(ddl_lock(run, table->oid, LOCK_ACCESS_EXCLUSIVE));
    for (int cmd_idx = 0; cmd_idx < ast_list_count(alter->cmds); cmd_idx++) {
        const AstAlterCmd *cmd = alter->cmds->items[cmd_idx];
        bool rename = cmd->kind == AST_ALTER_RENAME_TABLE;
        if (table->kind != CAT_KIND_TABLE && !rename && cmd->kind != AST_ALTER_OWNER) {
            return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", table->name);
        }
        TRY(alter_cmd(run, table, cmd));
        uint32_t oid = table->oid;
        TRY(catalog_get(ctx->catalog, ctx->txn, oid, &table));
        if (table == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "altered table vanished");
    }
    return NULL;
}
