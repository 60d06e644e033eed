/* planner/bind_util.c: the binder's small shared pieces: statement-arena allocation, constant
 * and column nodes, and type names (plan_type_from_ast).
 *
 * Type names arrive from the parser already canonical for the SQL-standard spellings (int ->
 * int4, double precision -> float8, character varying -> varchar, char -> bpchar, timestamp
 * with time zone -> timestamptz); typmods follow PostgreSQL's encodings (common/types.h). */
#include <stdio.h>
#include <string.h>

#include "common/datetime.h"
#include "common/numeric.h"
#include "planner/bind_expr_int.h"

enum {
    BIND_VARCHAR_LENGTH_MAX = 10485760,   /* PostgreSQL's MaxAttrSize-derived limit */
    BIND_TIME_PRECISION_MAX = 6,
    BIND_TYPMOD_HEADER = 4,               /* VARHDRSZ: varchar(n) typmod is n + 4 */
};

BindAgg    bind_agg_nested = { .allowed = false, .clause = NULL };
BindWindow bind_window_nested = { .base = 0 };

Error *bind_error_oom(void)
{
    return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
}

void *bind_alloc(BindCtx *ctx, size_t size)
{
    return arena_calloc(ctx->plan->arena, size == 0 ? 1 : size);
}

char *bind_strdup(BindCtx *ctx, const char *text)
{
    return arena_strdup(ctx->plan->arena, text);
}

Expr *bind_expr_new(BindCtx *ctx, ExprKind kind, Type type, int position)
{
    Expr *expr = bind_alloc(ctx, sizeof *expr);
    if (expr == NULL) return NULL;
    expr->kind = kind;
    expr->type = type;
    expr->position = position;
    return expr;
}

Expr *bind_expr_with_args(BindCtx *ctx, ExprKind kind, Type type, int position,
                          uint32_t arg_count)
{
    Expr *expr = bind_expr_new(ctx, kind, type, position);
    if (expr == NULL) return NULL;
    expr->arg_count = arg_count;
    expr->args = bind_alloc(ctx, sizeof(Expr *) * arg_count);
    return expr->args == NULL ? NULL : expr;
}

Error *bind_error_position(Error *err, int position)
{
    if (err != NULL && !err->is_static && err->position == 0) err->position = position;
    return err;
}

Expr *bind_const_text(BindCtx *ctx, Type type, const char *text, size_t size, int position)
{
    Expr *expr = bind_expr_new(ctx, EXPR_CONST, type, position);
    if (expr == NULL) return NULL;
    char *copy = arena_strndup(ctx->plan->arena, text, size);
    if (copy == NULL) return NULL;
    expr->const_text = copy;
    expr->const_size = size;
    return expr;
}

Expr *bind_const_null(BindCtx *ctx, Type type)
{
    Expr *expr = bind_expr_new(ctx, EXPR_CONST, type, 0);
    if (expr == NULL) return NULL;
    expr->is_null = true;
    return expr;
}

Expr *bind_column_ref(BindCtx *ctx, uint32_t column_idx, Type type)
{
    Expr *expr = bind_expr_new(ctx, EXPR_COLUMN, type, 0);
    if (expr == NULL) return NULL;
    expr->column_idx = column_idx;
    return expr;
}

/* ---------------------------------------------------------------- type names ---- */

typedef struct TypeNameEntry {
    const char *name;
    TypeId      id;
    TypeId      array_id;      /* TYPE_INVALID: no array type of ours */
} TypeNameEntry;

static const TypeNameEntry TYPE_NAMES[] = {
    { "bool", TYPE_BOOL, TYPE_BOOL_ARRAY },       { "boolean", TYPE_BOOL, TYPE_BOOL_ARRAY },
    { "int2", TYPE_INT2, TYPE_INT2_ARRAY },       { "smallint", TYPE_INT2, TYPE_INT2_ARRAY },
    { "int4", TYPE_INT4, TYPE_INT4_ARRAY },       { "integer", TYPE_INT4, TYPE_INT4_ARRAY },
    { "int", TYPE_INT4, TYPE_INT4_ARRAY },        { "int8", TYPE_INT8, TYPE_INT8_ARRAY },
    { "bigint", TYPE_INT8, TYPE_INT8_ARRAY },     { "float4", TYPE_FLOAT4, TYPE_FLOAT4_ARRAY },
    { "real", TYPE_FLOAT4, TYPE_FLOAT4_ARRAY },        { "float8", TYPE_FLOAT8, TYPE_FLOAT8_ARRAY },
    { "numeric", TYPE_NUMERIC, TYPE_NUMERIC_ARRAY }, { "decimal", TYPE_NUMERIC, TYPE_NUMERIC_ARRAY },
    { "text", TYPE_TEXT, TYPE_TEXT_ARRAY },       { "varchar", TYPE_VARCHAR, TYPE_VARCHAR_ARRAY },
    { "bpchar", TYPE_BPCHAR, TYPE_BPCHAR_ARRAY },      { "char", TYPE_CHAR, TYPE_CHAR_ARRAY },
    { "name", TYPE_NAME, TYPE_NAME_ARRAY },          { "bytea", TYPE_BYTEA, TYPE_BYTEA_ARRAY },
    { "oid", TYPE_OID, TYPE_OID_ARRAY },            { "date", TYPE_DATE, TYPE_DATE_ARRAY },
    { "time", TYPE_TIME, TYPE_TIME_ARRAY },          { "timestamp", TYPE_TIMESTAMP, TYPE_TIMESTAMP_ARRAY },
    { "timestamptz", TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ_ARRAY },
    { "interval", TYPE_INTERVAL, TYPE_INTERVAL_ARRAY },
    /* arrays: PostgreSQL's internal array type names and the catalog vector types */
    { "_bool", TYPE_BOOL_ARRAY, TYPE_INVALID },   { "_int2", TYPE_INT2_ARRAY, TYPE_INVALID },
    { "_int4", TYPE_INT4_ARRAY, TYPE_INVALID },   { "_int8", TYPE_INT8_ARRAY, TYPE_INVALID },
    { "_float4", TYPE_FLOAT4_ARRAY, TYPE_INVALID }, { "_float8", TYPE_FLOAT8_ARRAY, TYPE_INVALID },
    { "_numeric", TYPE_NUMERIC_ARRAY, TYPE_INVALID }, { "_text", TYPE_TEXT_ARRAY, TYPE_INVALID },
    { "_varchar", TYPE_VARCHAR_ARRAY, TYPE_INVALID }, { "_bpchar", TYPE_BPCHAR_ARRAY, TYPE_INVALID },
    { "_char", TYPE_CHAR_ARRAY, TYPE_INVALID },   { "_name", TYPE_NAME_ARRAY, TYPE_INVALID },
    { "_bytea", TYPE_BYTEA_ARRAY, TYPE_INVALID }, { "_oid", TYPE_OID_ARRAY, TYPE_INVALID },
    { "_date", TYPE_DATE_ARRAY, TYPE_INVALID },   { "_time", TYPE_TIME_ARRAY, TYPE_INVALID },
    { "_timestamp", TYPE_TIMESTAMP_ARRAY, TYPE_INVALID },
    { "_timestamptz", TYPE_TIMESTAMPTZ_ARRAY, TYPE_INVALID },
    { "_interval", TYPE_INTERVAL_ARRAY, TYPE_INVALID },
    { "int2vector", TYPE_INT2VECTOR, TYPE_INVALID }, { "oidvector", TYPE_OIDVECTOR, TYPE_INVALID },
    /* catfuncs: the object identifier types */
    { "regproc", TYPE_REGPROC, TYPE_INVALID },    { "regclass", TYPE_REGCLASS, TYPE_INVALID },
    { "regtype", TYPE_REGTYPE, TYPE_REGTYPE_ARRAY }, { "regnamespace", TYPE_REGNAMESPACE, TYPE_INVALID },
    { "regrole", TYPE_REGROLE, TYPE_INVALID },
    /* types: uuid, json, jsonb */
    { "uuid", TYPE_UUID, TYPE_UUID_ARRAY },       { "json", TYPE_JSON, TYPE_JSON_ARRAY },
    { "jsonb", TYPE_JSONB, TYPE_JSONB_ARRAY },    { "_uuid", TYPE_UUID_ARRAY, TYPE_INVALID },
    { "_json", TYPE_JSON_ARRAY, TYPE_INVALID },   { "_jsonb", TYPE_JSONB_ARRAY, TYPE_INVALID },
};

static const TypeNameEntry *find_type_name(const char *name)
{
    for (size_t entry_idx = 0; entry_idx < sizeof TYPE_NAMES / sizeof TYPE_NAMES[0];
         entry_idx++) {
        if (strcmp(TYPE_NAMES[entry_idx].name, name) == 0) return &TYPE_NAMES[entry_idx];
    }
    return NULL;
}

/* type_mods: the integer typmods of type_name (at most 2). */
static Error *type_mods(const AstTypeName *ast_type, int64_t *mods, int *count_out)
{
    int count = ast_list_count(ast_type->mods);
    if (count > 2) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast_type->position,
                      "invalid type modifier for type \"%s\"", ast_type->name);
    }
    for (int mod_idx = 0; mod_idx < count; mod_idx++) {
        const AstExpr *mod = ast_type->mods->items[mod_idx];
        if (mod->kind != AST_EXPR_INTEGER || !mod->int_fits || mod->int_value > INT32_MAX ||
            mod->int_value < INT32_MIN) {
            return err_at(SQLSTATE_SYNTAX_ERROR, mod->position,
                          "type modifiers must be simple constants or identifiers");
        }
        mods[mod_idx] = mod->int_value;
    }
    *count_out = count;
    return NULL;
}

static Error *char_typmod(const AstTypeName *ast_type, TypeId id, const int64_t *mods,
                          int mod_count, int32_t *typmod_out)
{
    const char *label = id == TYPE_VARCHAR ? "varchar" : "char";
    if (mod_count == 0) {
        /* char / character without a length is char(1); varchar without one is unbounded */
        *typmod_out = id == TYPE_BPCHAR ? 1 + BIND_TYPMOD_HEADER : TYPE_TYPMOD_NONE;
        return NULL;
    }
    if (mod_count > 1) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast_type->position,
                      "invalid type modifier");
    }
    if (mods[0] < 1) {
        return err_at(SQLSTATE_INVALID_PARAMETER_VALUE, ast_type->position,
                      "length for type %s must be at least 1", label);
    }
    if (mods[0] > BIND_VARCHAR_LENGTH_MAX) {
        return err_at(SQLSTATE_INVALID_PARAMETER_VALUE, ast_type->position,
                      "length for type %s cannot exceed %d", label, BIND_VARCHAR_LENGTH_MAX);
    }
    *typmod_out = (int32_t)mods[0] + BIND_TYPMOD_HEADER;
    return NULL;
}

static Error *time_typmod(const AstTypeName *ast_type, const int64_t *mods, int mod_count,
                          int32_t *typmod_out)
{
    *typmod_out = TYPE_TYPMOD_NONE;
    if (mod_count == 0) return NULL;
    if (mod_count > 1) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast_type->position, "invalid type modifier");
    }
    if (mods[0] < 0) {
        return err_at(SQLSTATE_INVALID_PARAMETER_VALUE, ast_type->position,
                      "%s(%d) precision must not be negative",
                      strcmp(ast_type->name, "time") == 0 ? "TIME" : "TIMESTAMP",
                      (int)mods[0]);
    }
    /* PostgreSQL warns and reduces a larger precision to 6 */
    *typmod_out = mods[0] > BIND_TIME_PRECISION_MAX ? BIND_TIME_PRECISION_MAX : (int32_t)mods[0];
    return NULL;
}

typedef struct IntervalRange {
    const char *fields;
    int         range;
} IntervalRange;

static Error *interval_typmod(const AstTypeName *ast_type, const int64_t *mods, int mod_count,
                              int32_t *typmod_out)
{
    static const IntervalRange RANGES[] = {
        { "year", DT_INTERVAL_MASK_YEAR },
        { "month", DT_INTERVAL_MASK_MONTH },
        { "day", DT_INTERVAL_MASK_DAY },
        { "hour", DT_INTERVAL_MASK_HOUR },
        { "minute", DT_INTERVAL_MASK_MINUTE },
        { "second", DT_INTERVAL_MASK_SECOND },
        { "year to month", DT_INTERVAL_MASK_YEAR | DT_INTERVAL_MASK_MONTH },
        { "day to hour", DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR },
        { "day to minute", DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR |
                               DT_INTERVAL_MASK_MINUTE },
        { "day to second", DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR |
                               DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND },
        { "hour to minute", DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE },
        { "hour to second", DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE |
                                DT_INTERVAL_MASK_SECOND },
        { "minute to second", DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND },
    };
    int range = DT_INTERVAL_RANGE_FULL;
    if (ast_type->interval_fields != NULL) {
        range = -1;
        for (size_t range_idx = 0; range_idx < sizeof RANGES / sizeof RANGES[0]; range_idx++) {
            if (strcmp(RANGES[range_idx].fields, ast_type->interval_fields) == 0) {
                range = RANGES[range_idx].range;
            }
        }
        if (range < 0) {
            return err_at(SQLSTATE_SYNTAX_ERROR, ast_type->position,
                          "invalid INTERVAL type modifier");
        }
    }
    if (mod_count > 1) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast_type->position,
                      "invalid INTERVAL type modifier");
    }
    if (mod_count == 1 && mods[0] < 0) {
        return err_at(SQLSTATE_INVALID_PARAMETER_VALUE, ast_type->position,
                      "INTERVAL(%d) precision must not be negative", (int)mods[0]);
    }
    if (mod_count == 0 && range == DT_INTERVAL_RANGE_FULL) {
        *typmod_out = TYPE_TYPMOD_NONE;
        return NULL;
    }
    int32_t precision = mod_count == 0 ? 0xFFFF
                        : mods[0] > BIND_TIME_PRECISION_MAX ? BIND_TIME_PRECISION_MAX
                                                             : (int32_t)mods[0];
    *typmod_out = (int32_t)(((uint32_t)range << 16) | (uint32_t)precision);
    return NULL;
}

static Error *base_typmod(const AstTypeName *ast_type, TypeId id, int32_t *typmod_out)
{
    int64_t mods[2] = { 0, 0 };
    int mod_count = 0;
    TRY(type_mods(ast_type, mods, &mod_count));
    *typmod_out = TYPE_TYPMOD_NONE;
    switch (id) {
    case TYPE_NUMERIC:
        if (mod_count == 0) return NULL;
        return bind_error_position(
            numeric_typmod_make((int32_t)mods[0], mod_count > 1 ? (int32_t)mods[1] : 0,
                                typmod_out),
            ast_type->position);
    case TYPE_VARCHAR:
    case TYPE_BPCHAR:
        return char_typmod(ast_type, id, mods, mod_count, typmod_out);
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        return time_typmod(ast_type, mods, mod_count, typmod_out);
    case TYPE_INTERVAL:
        return interval_typmod(ast_type, mods, mod_count, typmod_out);
    default:
        if (mod_count > 0) {
            return err_at(SQLSTATE_SYNTAX_ERROR, ast_type->position,
                          "type modifier is not allowed for type \"%s\"", ast_type->name);
        }
        return NULL;
    }
}

Error *plan_type_from_ast(const AstTypeName *ast_type, Type *type_out)
{
    /* a qualified name must be in pg_catalog, where every built-in type lives */
    int qualifier_count = ast_list_count(ast_type->qualifiers);
    bool qualified_ok = qualifier_count == 0 ||
                        (qualifier_count == 1 &&
                         strcmp(ast_type->qualifiers->items[0], "pg_catalog") == 0);
    const TypeNameEntry *entry = qualified_ok ? find_type_name(ast_type->name) : NULL;
    if (entry == NULL) {
        if (strcmp(ast_type->name, "timetz") == 0) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast_type->position,
                          "type time with time zone is not supported");
        }
        return err_at(SQLSTATE_UNDEFINED_OBJECT, ast_type->position,
                      "type \"%s\" does not exist", ast_type->name);
    }
    int32_t typmod = TYPE_TYPMOD_NONE;
    TRY(base_typmod(ast_type, entry->id, &typmod));
    if (ast_type->array_dims > 0) {
        if (entry->array_id == TYPE_INVALID) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast_type->position,
                          "arrays of type %s are not supported", type_name(entry->id));
        }
        *type_out = type_make(entry->array_id, typmod);
        return NULL;
    }
    *type_out = type_make(entry->id, typmod);
    return NULL;
}
