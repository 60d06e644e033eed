/* planner/sysview.c: finding system relations by name and OID, their birch column types, and
 * the row builder the generators (sysview_pg.c, sysview_info.c) fill. See sysview.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "planner/sysview_int.h"

static Error *sys_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

const SysView *sysview_find(const char *schema, const char *name)
{
    if (schema == NULL || name == NULL) return NULL;
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        if (strcmp(view->name, name) == 0 && strcmp(view->schema, schema) == 0) return view;
    }
    return NULL;
}

const SysView *sysview_find_oid(uint32_t oid)
{
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        if (view->oid == oid) return view;
    }
    return NULL;
}

const SysView *sysview_resolve(const char *const *parts, size_t part_count,
                               const char *const *search_path, size_t search_path_count)
{
    if (part_count == 0 || part_count > 3) return NULL;
    const char *name = parts[part_count - 1];
    if (part_count >= 2) return sysview_find(parts[part_count - 2], name);
    const SysView *view = sysview_find("pg_catalog", name);
    if (view != NULL) return view;
    for (size_t idx = 0; idx < search_path_count; idx++) {
        if (search_path[idx] != NULL && strcmp(search_path[idx], "information_schema") == 0) {
            return sysview_find("information_schema", name);
        }
    }
    return NULL;
}

Type sysview_column_type(const SysView *view, uint32_t col_idx)
{
    VERIFY(col_idx < view->column_count);
    uint32_t declared = view->columns[col_idx].pg_type;
    switch (declared) {
    case TYPE_REGPROC: return type_plain(TYPE_TEXT);
    case SYSVIEW_PG_TYPE_XID: return type_plain(TYPE_INT8);
    case SYSVIEW_PG_TYPE_ACLITEM_ARRAY:
        return type_plain(type_is_known(TYPE_TEXT_ARRAY) ? TYPE_TEXT_ARRAY : TYPE_TEXT);
    default: break;
    }
    if (type_is_known(declared)) return type_plain((TypeId)declared);
    return type_plain(TYPE_TEXT);
}

Error *sysview_plan_scan(Arena *arena, const SysView *view, Plan **plan_out)
{
    Plan *plan = arena_calloc(arena, sizeof *plan);
    Type *types = arena_calloc(arena, ((size_t)view->column_count + 1) * sizeof *types);
    const char **names = arena_calloc(arena, ((size_t)view->column_count + 1) * sizeof *names);
    if (plan == NULL || types == NULL || names == NULL) return sys_oom();
    for (uint16_t col_idx = 0; col_idx < view->column_count; col_idx++) {
        types[col_idx] = sysview_column_type(view, col_idx);
        names[col_idx] = view->columns[col_idx].name;
    }
    plan->kind = PLAN_SYSVIEW_SCAN;
    plan->sysview = view;
    plan->column_count = view->column_count;
    plan->types = types;
    plan->names = names;
    plan->est_rows = 100;
    plan->est_cost = 1;
    *plan_out = plan;
    return NULL;
}

/* ------------------------------------------------------------------ rows ---- */

Error *sys_row_begin(SysGen *gen)
{
    SysRows *rows = &gen->rows;
    if (rows->row_count == rows->capacity) {
        size_t capacity = rows->capacity == 0 ? 32 : rows->capacity * 2;
        SysValue *cells = arena_calloc(gen->env->arena,
                                       capacity * rows->column_count * sizeof *cells);
        if (cells == NULL) return sys_oom();
        if (rows->row_count > 0) {
            memcpy(cells, rows->cells, rows->row_count * rows->column_count * sizeof *cells);
        }
        rows->cells = cells;
        rows->capacity = capacity;
    }
    gen->row = &rows->cells[rows->row_count * rows->column_count];
    memset(gen->row, 0, rows->column_count * sizeof *gen->row);
    rows->row_count++;
    return NULL;
}

static SysValue *cell(SysGen *gen, const char *column)
{
    VERIFY(gen->row != NULL);
    for (uint16_t col_idx = 0; col_idx < gen->view->column_count; col_idx++) {
        if (strcmp(gen->view->columns[col_idx].name, column) == 0) return &gen->row[col_idx];
    }
    VERIFY(!"system relation has no such column");
    return NULL;
}

void sys_set_int(SysGen *gen, const char *column, int64_t value)
{
    *cell(gen, column) = (SysValue){ .kind = SYS_VALUE_INT, .int_value = value };
}

void sys_set_bool(SysGen *gen, const char *column, bool value)
{
    *cell(gen, column) = (SysValue){ .kind = SYS_VALUE_INT, .int_value = value ? 1 : 0 };
}

void sys_set_float(SysGen *gen, const char *column, double value)
{
    *cell(gen, column) = (SysValue){ .kind = SYS_VALUE_FLOAT, .float_value = value };
}

void sys_set_text(SysGen *gen, const char *column, const char *text)
{
    SysValue *value = cell(gen, column);
    *value = text == NULL ? (SysValue){ 0 } : (SysValue){ .kind = SYS_VALUE_TEXT, .text = text };
}

void sys_set_char(SysGen *gen, const char *column, char letter)
{
    char text[2] = { letter, '\0' };
    sys_set_text(gen, column, sys_strdup(gen, text));
}

void sys_set_regtype(SysGen *gen, const char *column, uint32_t type_oid)
{
    *cell(gen, column) = (SysValue){ .kind = SYS_VALUE_TEXT, .int_value = type_oid,
                                     .text = sys_type_sql(gen, type_plain((TypeId)type_oid)) };
}

void sys_set_ints(SysGen *gen, const char *column, const int64_t *values, uint32_t count)
{
    *cell(gen, column) = (SysValue){ .kind = SYS_VALUE_INT_LIST, .count = count, .ints = values };
}

void sys_set_texts(SysGen *gen, const char *column, const char *const *values, uint32_t count)
{
    *cell(gen, column) = (SysValue){ .kind = SYS_VALUE_TEXT_LIST, .count = count,
                                     .texts = values };
}

char *sys_strdup(SysGen *gen, const char *text)
{
    return text == NULL ? NULL : arena_strdup(gen->env->arena, text);
}

char *sys_printf(SysGen *gen, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int size = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (size < 0) return NULL;
    char *text = arena_alloc(gen->env->arena, (size_t)size + 1);
    if (text == NULL) return NULL;
    va_start(args, format);
    vsnprintf(text, (size_t)size + 1, format, args);
    va_end(args);
    return text;
}

Error *sysgen_empty(SysGen *gen)
{
    (void)gen;
    return NULL;
}

Error *sysview_generate(const SysView *view, const SysEnv *env, SysRows *rows_out)
{
    if (env->catalog == NULL || env->txn == NULL) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "system relation \"%s\" read without a catalog",
                       view->name);
    }
    SysGen gen = { .env = env, .view = view, .rows = { .column_count = view->column_count } };
    TRY(view->generate(&gen));
    *rows_out = gen.rows;
    return NULL;
}
