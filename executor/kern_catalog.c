/* executor/kern_catalog.c: reg* text input/output and the catalog functions (see
 * kern_catalog.h). Every lookup goes through the session's KernCatEnv (its transaction's
 * snapshot); names follow PostgreSQL's rules: unquoted identifiers fold to lower case, a
 * relation is visible when the search path (pg_catalog first) finds it by its bare name. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "executor/exec.h"
#include "executor/kern_catalog.h"
#include "common/array.h"
#include "executor/kern_array.h"
#include "executor/kern_int.h"
#include "planner/sysview.h"

enum {
    KCAT_PART_MAX = 3,
    KCAT_NAME_BUF = CAT_NAME_SIZE_MAX + 1,
    KCAT_TEXT_MAX = 1024,
    KCAT_PAGE_SIZE = 8192,
};

bool kern_catalog_env(const KernCtx *ctx, KernCatEnv *env_out)
{
    memset(env_out, 0, sizeof *env_out);
    if (ctx == NULL || ctx->session == NULL || ctx->session->catalog_env == NULL) return false;
    ctx->session->catalog_env(ctx->session->ctx, env_out);
    return env_out->catalog != NULL && env_out->txn != NULL;
}

/* ------------------------------------------------------------- name parsing ---- */

typedef struct QualName {
    int  count;
    char parts[KCAT_PART_MAX][KCAT_NAME_BUF];
} QualName;

static Error *invalid_name(void)
{
    return err_new(SQLSTATE_INVALID_NAME, "invalid name syntax");
}

/* parse_qualified: PostgreSQL's stringToQualifiedNameList: identifiers separated by dots,
 * "quoted" ones kept as written ("" is a quote), others folded to lower case; blanks around
 * each. Names longer than 63 bytes are truncated. Errors: INVALID_NAME. */
static Error *parse_qualified(const char *text, QualName *name)
{
    name->count = 0;
    const char *cursor = text;
    for (;;) {
        while (isspace((unsigned char)*cursor)) cursor++;
        if (name->count == KCAT_PART_MAX) return invalid_name();
        char *part = name->parts[name->count++];
        size_t used = 0;
        if (*cursor == '"') {
            cursor++;
            for (;;) {
                if (*cursor == '\0') return invalid_name();
                if (*cursor == '"') {
                    if (cursor[1] != '"') break;
                    cursor++;
                }
                if (used < CAT_NAME_SIZE_MAX) part[used++] = *cursor;
                cursor++;
            }
            cursor++;
            if (used == 0) return invalid_name();
        } else {
            while (*cursor != '\0' && *cursor != '.' && !isspace((unsigned char)*cursor)) {
                if (*cursor == '"') return invalid_name();
                if (used < CAT_NAME_SIZE_MAX) part[used++] = (char)tolower((unsigned char)*cursor);
                cursor++;
            }
            if (used == 0) return invalid_name();
        }
        part[used] = '\0';
        while (isspace((unsigned char)*cursor)) cursor++;
        if (*cursor == '\0') return NULL;
        if (*cursor != '.') return invalid_name();
        cursor++;
    }
}

/* joined: the parts joined with dots, unquoted (PostgreSQL's NameListToString). */
static void joined(const QualName *name, char *buffer, size_t size)
{
    size_t used = 0;
    buffer[0] = '\0';
    for (int part_idx = 0; part_idx < name->count && used < size; part_idx++) {
        used += (size_t)snprintf(buffer + used, size - used, "%s%s", part_idx > 0 ? "." : "",
                                 name->parts[part_idx]);
    }
}

/* is_oid_text: all digits (PostgreSQL takes such reg* input as the OID itself). */
static bool is_oid_text(const char *text)
{
    if (*text == '\0') return false;
    for (const char *cursor = text; *cursor != '\0'; cursor++) {
        if (*cursor < '0' || *cursor > '9') return false;
    }
    return true;
}

static Error *parse_oid_text(const char *text, int64_t *oid_out)
{
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || value > UINT32_MAX) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                       "value \"%s\" is out of range for type oid", text);
    }
    *oid_out = (int64_t)value;
    return NULL;
}

/* row_text: arg row r as a NUL-terminated string in ctx->arena. */
static const char *row_text(KernCtx *ctx, const Vector *arg, uint32_t row, Error **err)
{
    const StrView *view = str_at(arg, row);
    char *text = arena_strndup(ctx->arena, str_view_data(view), view->size);
    if (text == NULL) *err = kern_oom();
    return text;
}

static int64_t row_i64(const Vector *arg, uint32_t row)
{
    uint32_t slot = arg->is_constant ? 0 : row;
    switch (arg->phys) {
    case VEC_PHYS_I16: return vec_i16(arg)[slot];
    case VEC_PHYS_I32: return vec_i32(arg)[slot];
    default: return vec_i64(arg)[slot];
    }
}

static bool row_null(const Vector *arg, uint32_t row)
{
    return vec_is_null(arg, arg->is_constant ? 0 : row);
}

/* System relations (pg_catalog.pg_class ..., information_schema.tables ...) come from
 * planner/sysview.h, with PostgreSQL's fixed OIDs. */

static bool path_has(const KernCatEnv *env, const char *schema)
{
    for (size_t idx = 0; idx < env->search_path_count; idx++) {
        if (strcmp(env->search_path[idx], schema) == 0) return true;
    }
    return false;
}

/* ---------------------------------------------------------------- relations ---- */

typedef struct RelInfo {
    uint32_t        oid;
    const char     *name;
    const char     *nspname;
    char            kind;
    const CatTable *table;       /* NULL for a system relation; the table of a virtual index */
    bool            virtual_index;   /* a clustered table's primary key "index" */
} RelInfo;

static Error *namespace_oid(const KernCatEnv *env, const char *name, uint32_t *oid_out)
{
    *oid_out = 0;
    TRY(catalog_lookup_namespace(env->catalog, env->txn, name, oid_out));
    if (*oid_out == 0 && strcmp(name, "pg_catalog") == 0) *oid_out = CAT_OID_PG_CATALOG;
    return NULL;
}

/* A table clustered on its integer primary key has no index relation; the system views show
 * PostgreSQL's t_pkey index with the constraint's OID (sysview_util.c), and so do we. */

/* virtual_index: the clustered primary key constraint with oid; *table_out its table. */
static Error *virtual_index(const KernCatEnv *env, uint32_t oid, const CatTable **table_out,
                            const CatConstraint **constraint_out)
{
    *table_out = NULL;
    *constraint_out = NULL;
    if (oid < CAT_OID_FIRST_USER) return NULL;
    Arena *arena = arena_create(0);
    if (arena == NULL) return kern_oom();
    const CatTable **tables = NULL;
    size_t table_count = 0;
    Error *err = catalog_list(env->catalog, env->txn, arena, &tables, &table_count);
    for (size_t table_idx = 0; err == NULL && table_idx < table_count; table_idx++) {
        const CatTable *table = tables[table_idx];
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *con = &table->constraints[con_idx];
            if (con->oid == oid && con->kind == CAT_CONSTR_PRIMARY && con->index_oid == 0) {
                *table_out = table;
                *constraint_out = con;
            }
        }
    }
    arena_destroy(arena);
    return err;
}

/* virtual_index_by_name: the OID of the clustered primary key index called name in schema
 * nsp (0: along the search path). */
static Error *virtual_index_by_name(const KernCatEnv *env, uint32_t nsp, const char *name,
                                    uint32_t *oid_out)
{
    *oid_out = 0;
    Arena *arena = arena_create(0);
    if (arena == NULL) return kern_oom();
    const CatTable **tables = NULL;
    size_t table_count = 0;
    Error *err = catalog_list(env->catalog, env->txn, arena, &tables, &table_count);
    size_t best_rank = SIZE_MAX;
    for (size_t table_idx = 0; err == NULL && table_idx < table_count; table_idx++) {
        const CatTable *table = tables[table_idx];
        size_t rank = 0;
        if (nsp != 0) {
            if (table->namespace_oid != nsp) continue;
        } else {
            while (rank < env->search_path_count &&
                   strcmp(env->search_path[rank], table->namespace_name) != 0) {
                rank++;
            }
            if (rank == env->search_path_count) continue;
        }
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *con = &table->constraints[con_idx];
            if (con->kind == CAT_CONSTR_PRIMARY && con->index_oid == 0 &&
                strcmp(con->name, name) == 0 && rank < best_rank) {
                *oid_out = con->oid;
                best_rank = rank;
            }
        }
    }
    arena_destroy(arena);
    return err;
}

/* relation_by_name: the relation OID of name (0 if none). Errors: INVALID_SCHEMA_NAME for a
 * qualified name whose schema does not exist; FEATURE_NOT_SUPPORTED for db.schema.name naming
 * another database. */
static Error *relation_by_name(const KernCatEnv *env, const QualName *name, uint32_t *oid_out)
{
    *oid_out = 0;
    const char *relname = name->parts[name->count - 1];
    if (name->count == 3) {
        char full[3 * KCAT_NAME_BUF + 4];
        joined(name, full, sizeof full);
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "cross-database references are not implemented: %s", full);
    }
    const CatTable *table = NULL;
    if (name->count == 2) {
        uint32_t nsp = 0;
        TRY(namespace_oid(env, name->parts[0], &nsp));
        if (nsp == 0) {
            return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist",
                           name->parts[0]);
        }
        const SysView *sys = sysview_find(name->parts[0], relname);
        if (sys != NULL) {
            *oid_out = sys->oid;
            return NULL;
        }
        TRY(catalog_lookup(env->catalog, env->txn, nsp, relname, &table));
        if (table == NULL) return virtual_index_by_name(env, nsp, relname, oid_out);
    } else {
        const char *parts[1] = { relname };
        const SysView *sys = sysview_resolve(parts, 1, env->search_path, env->search_path_count);
        if (sys != NULL) {
            *oid_out = sys->oid;
            return NULL;
        }
        TRY(catalog_lookup_path(env->catalog, env->txn, env->search_path,
                                env->search_path_count, relname, &table));
        if (table == NULL) return virtual_index_by_name(env, 0, relname, oid_out);
    }
    if (table != NULL && table->kind != CAT_KIND_SCHEMA) *oid_out = table->oid;
    return NULL;
}

/* relation_by_oid: *found_out false if oid names no relation. */
static Error *relation_by_oid(const KernCatEnv *env, uint32_t oid, RelInfo *info, bool *found_out)
{
    *found_out = false;
    memset(info, 0, sizeof *info);
    const SysView *sys = sysview_find_oid(oid);
    if (sys != NULL) {
        *info = (RelInfo){ .oid = oid, .name = sys->name, .nspname = sys->schema,
                           .kind = sys->relkind };
        *found_out = true;
        return NULL;
    }
    const CatTable *table = NULL;
    TRY(catalog_get(env->catalog, env->txn, oid, &table));
    if (table == NULL) {
        const CatConstraint *pk = NULL;
        TRY(virtual_index(env, oid, &table, &pk));
        if (pk == NULL) return NULL;
        *info = (RelInfo){ .oid = oid, .name = pk->name, .nspname = table->namespace_name,
                           .kind = CAT_KIND_INDEX, .table = table, .virtual_index = true };
        *found_out = true;
        return NULL;
    }
    if (table->kind == CAT_KIND_SCHEMA) return NULL;
    *info = (RelInfo){ .oid = oid, .name = table->name, .nspname = table->namespace_name,
                       .kind = table->kind, .table = table };
    *found_out = true;
    return NULL;
}

static Error *relation_visible(const KernCatEnv *env, const RelInfo *rel, bool *visible_out)
{
    if (rel->table == NULL) {
        /* pg_catalog is searched first; information_schema only when on the path */
        *visible_out = strcmp(rel->nspname, "pg_catalog") == 0 || path_has(env, rel->nspname);
        return NULL;
    }
    const char *parts[1] = { rel->name };
    if (sysview_resolve(parts, 1, env->search_path, env->search_path_count) != NULL) {
        *visible_out = false;   /* the system relation of that name comes first */
        return NULL;
    }
    if (rel->virtual_index) {
        uint32_t first_oid = 0;
        TRY(virtual_index_by_name(env, 0, rel->name, &first_oid));
        *visible_out = first_oid == rel->oid;
        return NULL;
    }
    const CatTable *first = NULL;
    TRY(catalog_lookup_path(env->catalog, env->txn, env->search_path, env->search_path_count,
                            rel->name, &first));
    *visible_out = first != NULL && first->oid == rel->oid;
    return NULL;
}

/* qualified_text: name or schema.name (each quoted as needed) into arena. */
static Error *qualified_text(Arena *arena, const char *nspname, const char *name,
                             bool qualify, const char **out)
{
    const char *quoted_name = NULL, *quoted_nsp = NULL;
    TRY(kern_quote_ident(arena, name, strlen(name), &quoted_name));
    if (!qualify || nspname == NULL) {
        *out = quoted_name;
        return NULL;
    }
    TRY(kern_quote_ident(arena, nspname, strlen(nspname), &quoted_nsp));
    size_t size = strlen(quoted_nsp) + strlen(quoted_name) + 2;
    char *text = arena_alloc(arena, size);
    if (text == NULL) return kern_oom();
    snprintf(text, size, "%s.%s", quoted_nsp, quoted_name);
    *out = text;
    return NULL;
}

/* relation_text: regclassout: the name, qualified when not visible. */
static Error *relation_text(const KernCatEnv *env, Arena *arena, const RelInfo *rel,
                            const char **out)
{
    bool visible = false;
    TRY(relation_visible(env, rel, &visible));
    return qualified_text(arena, rel->nspname, rel->name, !visible, out);
}

/* ---------------------------------------------------------------- namespaces, roles ---- */

static Error *namespace_name(const KernCatEnv *env, uint32_t oid, const char **name_out)
{
    *name_out = NULL;
    if (oid == CAT_OID_PG_CATALOG) {
        *name_out = "pg_catalog";
        return NULL;
    }
    const CatTable *table = NULL;
    TRY(catalog_get(env->catalog, env->txn, oid, &table));
    if (table != NULL && table->kind == CAT_KIND_SCHEMA) *name_out = table->name;
    return NULL;
}

/* Roles come from the role catalog (pg_authid); a database older than it has no rows, and then
 * the session's user stands for the bootstrap role (OID 10), as the system views do. */
/* PostgreSQL 15's predefined roles (pg_namespace.nspowner of public is pg_database_owner) */
static const struct { uint32_t oid; const char *name; } PREDEFINED_ROLES[] = {
    { 6171, "pg_database_owner" }, { 6181, "pg_read_all_data" }, { 6182, "pg_write_all_data" },
    { 3373, "pg_monitor" }, { 3374, "pg_read_all_settings" }, { 3375, "pg_read_all_stats" },
    { 3377, "pg_stat_scan_tables" }, { 4569, "pg_read_server_files" },
    { 4570, "pg_write_server_files" }, { 4571, "pg_execute_server_program" },
    { 4200, "pg_signal_backend" }, { 4544, "pg_checkpoint" },
};

static Error *role_name(const KernCatEnv *env, uint32_t oid, const char **name_out)
{
    *name_out = NULL;
    const CatRole *role = NULL;
    TRY(catalog_role_get(env->catalog, env->txn, oid, &role));
    if (role != NULL) *name_out = role->name;
    else if (oid == CAT_OID_BOOTSTRAP_ROLE) *name_out = env->user;
    for (size_t idx = 0; *name_out == NULL && idx < sizeof PREDEFINED_ROLES / sizeof PREDEFINED_ROLES[0]; idx++) {
        if (PREDEFINED_ROLES[idx].oid == oid) *name_out = PREDEFINED_ROLES[idx].name;
    }
    return NULL;
}

static Error *role_oid(const KernCatEnv *env, const char *name, uint32_t *oid_out)
{
    *oid_out = 0;
    const CatRole *role = NULL;
    TRY(catalog_role_lookup(env->catalog, env->txn, name, &role));
    if (role != NULL) {
        *oid_out = role->oid;
        return NULL;
    }
    for (size_t idx = 0; idx < sizeof PREDEFINED_ROLES / sizeof PREDEFINED_ROLES[0]; idx++) {
        if (strcmp(PREDEFINED_ROLES[idx].name, name) == 0) {
            *oid_out = PREDEFINED_ROLES[idx].oid;
            return NULL;
        }
    }
    const CatRole *bootstrap = NULL;
    TRY(catalog_role_get(env->catalog, env->txn, CAT_OID_BOOTSTRAP_ROLE, &bootstrap));
    if (bootstrap == NULL && env->user != NULL && strcmp(name, env->user) == 0) {
        *oid_out = CAT_OID_BOOTSTRAP_ROLE;
    }
    return NULL;
}

/* ------------------------------------------------------------ reg* kernels ---- */

typedef enum RegKind { REG_CLASS, REG_TYPE, REG_PROC, REG_NAMESPACE, REG_ROLE } RegKind;

/* reg_in: one reg* input text to its OID; *found_out false when the name names nothing
 * (the caller raises the not-found error or, for to_reg*, returns NULL). */
static Error *reg_in(const KernCatEnv *env, bool have_env, RegKind kind, const char *text,
                     int64_t *oid_out, bool *found_out, QualName *name)
{
    *found_out = true;
    if (is_oid_text(text)) return parse_oid_text(text, oid_out);
    if (kind != REG_TYPE && strcmp(text, "-") == 0) {
        *oid_out = 0;
        return NULL;
    }
    *oid_out = 0;
    if (kind == REG_TYPE) {
        *oid_out = kern_type_by_name(text);
        *found_out = *oid_out != 0;
        if (!*found_out) {
            name->count = 1;
            snprintf(name->parts[0], sizeof name->parts[0], "%s", text);
        }
        return NULL;
    }
    TRY(parse_qualified(text, name));
    *found_out = false;
    if (!have_env) return NULL;
    uint32_t oid = 0;
    switch (kind) {
    case REG_CLASS:
        TRY(relation_by_name(env, name, &oid));
        break;
    case REG_NAMESPACE:
        if (name->count != 1) return invalid_name();
        TRY(namespace_oid(env, name->parts[0], &oid));
        break;
    case REG_ROLE:
        if (name->count != 1) return invalid_name();
        TRY(role_oid(env, name->parts[0], &oid));
        break;
    case REG_PROC:
    case REG_TYPE:
        break;
    }
    *oid_out = oid;
    *found_out = oid != 0;
    return NULL;
}

static Error *reg_not_found(RegKind kind, const char *text, const QualName *name)
{
    char full[3 * KCAT_NAME_BUF + 4];
    joined(name, full, sizeof full);
    switch (kind) {
    case REG_CLASS:
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", full);
    case REG_TYPE:
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "type \"%s\" does not exist", text);
    case REG_NAMESPACE:
        return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", full);
    case REG_ROLE:
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "role \"%s\" does not exist", full);
    case REG_PROC:
        return err_new(SQLSTATE_UNDEFINED_FUNCTION, "function \"%s\" does not exist", full);
    }
    return NULL;
}

static Error *reg_in_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                            uint32_t count, Vector *out, RegKind kind, bool missing_null)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Error *err = NULL;
        const char *text = row_text(ctx, args[0], r, &err);
        if (err != NULL) return err;
        int64_t oid = 0;
        bool found = false;
        QualName name;
        name.count = 0;
        err = reg_in(&env, have_env, kind, text, &oid, &found, &name);
        if (err != NULL && missing_null && err->state != SQLSTATE_OUT_OF_MEMORY &&
            err->state != SQLSTATE_INVALID_NAME) {
            err_free(err);
            err = NULL;
            found = false;
        }
        if (err != NULL) return err;
        if (!found) {
            if (missing_null) {
                TRY(vec_set_null(out, r));
                continue;
            }
            if (!have_env && kind != REG_TYPE) {
                return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "%s input needs a catalog", type_name(out->type.id));
            }
            return reg_not_found(kind, text, &name);
        }
        vec_i64(out)[r] = oid;
    });
    return NULL;
}

/* reg_out: the text of one reg* value into arena. */
static Error *reg_out(const KernCatEnv *env, bool have_env, RegKind kind, int64_t value,
                      Arena *arena, const char **text_out)
{
    uint32_t oid = (uint32_t)value;
    char number[32];
    snprintf(number, sizeof number, "%u", oid);
    *text_out = NULL;
    if (oid == 0) {
        *text_out = "-";
        return NULL;
    }
    if (kind == REG_TYPE) {
        char buffer[KCAT_TEXT_MAX];
        kern_format_type(oid, INT32_MIN, buffer, sizeof buffer);
        if (strcmp(buffer, "???") != 0) {
            *text_out = arena_strdup(arena, buffer);
            return *text_out == NULL ? kern_oom() : NULL;
        }
    } else if (have_env) {
        if (kind == REG_CLASS) {
            RelInfo rel;
            bool found = false;
            TRY(relation_by_oid(env, oid, &rel, &found));
            if (found) return relation_text(env, arena, &rel, text_out);
        } else if (kind == REG_NAMESPACE || kind == REG_ROLE) {
            const char *name = NULL;
            if (kind == REG_NAMESPACE) TRY(namespace_name(env, oid, &name));
            else TRY(role_name(env, oid, &name));
            if (name != NULL) return kern_quote_ident(arena, name, strlen(name), text_out);
        }
    }
    *text_out = arena_strdup(arena, number);
    return *text_out == NULL ? kern_oom() : NULL;
}

static Error *reg_out_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                             uint32_t count, Vector *out, RegKind kind)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const char *text = NULL;
        TRY(reg_out(&env, have_env, kind, row_i64(args[0], r), ctx->arena, &text));
        TRY(vec_str_set(out, r, text, (uint32_t)strlen(text)));
    });
    return NULL;
}

#define REG_KERNELS(T, KIND)                                                                  \
    KERN_DECLARE(kern_cast_text_##T) { return reg_in_kernel(ctx, args, sel, count, out, KIND, false); } \
    KERN_DECLARE(kern_to_##T) { return reg_in_kernel(ctx, args, sel, count, out, KIND, true); }  \
    KERN_DECLARE(kern_cast_##T##_text) { return reg_out_kernel(ctx, args, sel, count, out, KIND); }
REG_KERNELS(regclass, REG_CLASS)
REG_KERNELS(regtype, REG_TYPE)
REG_KERNELS(regproc, REG_PROC)
REG_KERNELS(regnamespace, REG_NAMESPACE)
REG_KERNELS(regrole, REG_ROLE)

KERN_DECLARE(kern_reg_relabel)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 1, sel, count));
    uint32_t from = args[0]->type.id, to = out->type.id;
    bool to_oid = kern_is_oid_family(to);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        int64_t value = row_i64(args[0], r);
        if (to_oid && from == TYPE_INT8 && (value < 0 || value > (int64_t)UINT32_MAX)) {
            return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "OID out of range");
        }
        if (to_oid && value < 0) value += INT64_C(1) << 32;   /* int4 -1 is oid 4294967295 */
        if (out->phys == VEC_PHYS_I32) vec_i32(out)[r] = (int32_t)(uint32_t)value;
        else vec_i64(out)[r] = value;
    });
    return NULL;
}

/* ---------------------------------------------------------- format_type ---- */

KERN_DECLARE(kern_format_type_fn)
{
    (void)ctx;
    TRY(kern_out_reserve(out, sel, count));
    char buffer[KCAT_TEXT_MAX];
    FOR_ROWS(sel, count, {
        if (row_null(args[0], r)) {
            TRY(vec_set_null(out, r));
            continue;
        }
        int32_t typmod = row_null(args[1], r) ? INT32_MIN : (int32_t)row_i64(args[1], r);
        size_t size = kern_format_type((uint32_t)row_i64(args[0], r), typmod, buffer,
                                       sizeof buffer);
        TRY(vec_str_set(out, r, buffer, (uint32_t)size));
    });
    return NULL;
}

/* -------------------------------------------------------- per-row helpers ---- */

/* The body of a strict one-OID kernel: env in `env`, oid in `oid`, row `r`. */
#define OID_KERNEL(NAME, ...)                                                                 \
    KERN_DECLARE(NAME)                                                                        \
    {                                                                                         \
        TRY(kern_out_begin(out, args, 1, sel, count));                                        \
        KernCatEnv env;                                                                       \
        bool have_env = kern_catalog_env(ctx, &env);                                          \
        FOR_ROWS(sel, count, {                                                                \
            if (!row_valid(out, r)) continue;                                                 \
            uint32_t oid = (uint32_t)row_i64(args[0], r);                                     \
            (void)oid; (void)have_env;                                                        \
            __VA_ARGS__                                                                       \
        });                                                                                   \
        return NULL;                                                                          \
    }

static Error *set_text(Vector *out, uint32_t row, const char *text)
{
    if (text == NULL) return vec_set_null(out, row);
    return vec_str_set(out, row, text, (uint32_t)strlen(text));
}

OID_KERNEL(kern_pg_get_userbyid, {
    const char *name = NULL;
    if (have_env) TRY(role_name(&env, oid, &name));
    char buffer[64];
    if (name == NULL) {
        snprintf(buffer, sizeof buffer, "unknown (OID=%u)", oid);
        name = buffer;
    }
    TRY(set_text(out, r, name));
})

OID_KERNEL(kern_pg_table_is_visible, {
    RelInfo rel;
    bool found = false;
    if (have_env) TRY(relation_by_oid(&env, oid, &rel, &found));
    if (!found) {
        TRY(vec_set_null(out, r));
        continue;
    }
    bool visible = false;
    TRY(relation_visible(&env, &rel, &visible));
    vec_bool(out)[r] = visible;
})

OID_KERNEL(kern_pg_type_is_visible, {
    char buffer[64];
    kern_format_type(oid, -1, buffer, sizeof buffer);
    if (strcmp(buffer, "???") == 0) TRY(vec_set_null(out, r));
    else vec_bool(out)[r] = 1;
})

OID_KERNEL(kern_pg_function_is_visible, { vec_bool(out)[r] = 1; })

OID_KERNEL(kern_pg_relation_is_publishable, {
    RelInfo rel;
    bool found = false;
    if (have_env) TRY(relation_by_oid(&env, oid, &rel, &found));
    if (!found) {
        TRY(vec_set_null(out, r));
        continue;
    }
    vec_bool(out)[r] = rel.table != NULL && rel.kind == CAT_KIND_TABLE &&
                       oid >= CAT_OID_FIRST_USER &&
                       strcmp(rel.nspname, "information_schema") != 0;
})

/* ------------------------------------------------------------- sizes ---- */

static Error *table_pages(const KernCatEnv *env, const CatTable *table, Arena *arena,
                          uint64_t *pages_out)
{
    *pages_out = 0;
    if (table->tree == NULL || table->kind == CAT_KIND_VIEW) return NULL;
    const CatTableStats *stats = NULL;
    if (table->kind == CAT_KIND_TABLE) {
        TRY(catalog_get_stats(env->catalog, env->txn, table->oid, arena, &stats));
    }
    if (stats != NULL && stats->page_count > 0) {
        *pages_out = stats->page_count;   /* ANALYZE's page count */
        return NULL;
    }
    /* not analyzed: an empty tree is 0 bytes (as PostgreSQL's empty heap), else one page */
    if (table->kind == CAT_KIND_SEQUENCE) {
        *pages_out = 1;
        return NULL;
    }
    BtCursor *cursor = NULL;
    TRY(bt_cursor_open(table->tree, &cursor));
    Error *err = bt_cursor_first(cursor);
    if (err == NULL) *pages_out = bt_cursor_valid(cursor) ? 1 : 0;
    bt_cursor_close(cursor);
    return err;
}

typedef enum SizeKind { SIZE_RELATION, SIZE_TOTAL, SIZE_INDEXES } SizeKind;

static Error *relation_size(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                            uint32_t count, Vector *out, SizeKind kind)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        RelInfo rel;
        bool found = false;
        if (have_env) TRY(relation_by_oid(&env, (uint32_t)row_i64(args[0], r), &rel, &found));
        if (!found) {
            TRY(vec_set_null(out, r));
            continue;
        }
        uint64_t pages = 0;
        if (rel.virtual_index) {
            pages = kind == SIZE_INDEXES ? 0 : 1;
        } else if (rel.table != NULL) {
            if (kind != SIZE_INDEXES) TRY(table_pages(&env, rel.table, ctx->arena, &pages));
            if (kind != SIZE_RELATION && rel.table->kind == CAT_KIND_TABLE) {
                pages += rel.table->index_count;
            }
        }
        vec_i64(out)[r] = (int64_t)(pages * KCAT_PAGE_SIZE);
    });
    return NULL;
}

KERN_DECLARE(kern_pg_relation_size) { return relation_size(ctx, args, sel, count, out, SIZE_RELATION); }
KERN_DECLARE(kern_pg_total_relation_size) { return relation_size(ctx, args, sel, count, out, SIZE_TOTAL); }
KERN_DECLARE(kern_pg_indexes_size) { return relation_size(ctx, args, sel, count, out, SIZE_INDEXES); }

KERN_DECLARE(kern_pg_database_size)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    int64_t total = 0;
    if (have_env) {
        const CatTable **tables = NULL;
        size_t table_count = 0;
        TRY(catalog_list(env.catalog, env.txn, ctx->arena, &tables, &table_count));
        uint64_t pages = 0;
        for (size_t idx = 0; idx < table_count; idx++) {
            uint64_t table_pages_count = 0;
            TRY(table_pages(&env, tables[idx], ctx->arena, &table_pages_count));
            pages += table_pages_count;
        }
        total = (int64_t)((pages + 1) * KCAT_PAGE_SIZE);
    }
    FOR_ROWS(sel, count, if (row_valid(out, r)) vec_i64(out)[r] = total;);
    return NULL;
}

/* ------------------------------------------------------------ definitions ---- */

typedef struct TextBuf {
    Arena  *arena;
    char   *data;
    size_t  size;
    size_t  capacity;
    bool    failed;
} TextBuf;

static void buf_add(TextBuf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(TextBuf *buf, const char *fmt, ...)
{
    if (buf->failed) return;
    for (;;) {
        va_list list;
        va_start(list, fmt);
        size_t room = buf->capacity - buf->size;
        int written = vsnprintf(buf->data != NULL ? buf->data + buf->size : NULL, room, fmt, list);
        va_end(list);
        if (written < 0) {
            buf->failed = true;
            return;
        }
        if ((size_t)written < room) {
            buf->size += (size_t)written;
            return;
        }
        size_t capacity = (buf->capacity + (size_t)written + 64) * 2;
        char *data = arena_alloc(buf->arena, capacity);
        if (data == NULL) {
            buf->failed = true;
            return;
        }
        if (buf->size > 0) memcpy(data, buf->data, buf->size);
        buf->data = data;
        buf->capacity = capacity;
    }
}

static void buf_ident(TextBuf *buf, const char *name)
{
    const char *quoted = NULL;
    if (kern_quote_ident(buf->arena, name, strlen(name), &quoted) != NULL) {
        buf->failed = true;
        return;
    }
    buf_add(buf, "%s", quoted);
}

static Error *buf_finish(TextBuf *buf, Vector *out, uint32_t row)
{
    if (buf->failed) return kern_oom();
    return vec_str_set(out, row, buf->data != NULL ? buf->data : "", (uint32_t)buf->size);
}

static const char *column_name(const CatTable *table, int16_t attnum)
{
    if (attnum >= 1 && attnum <= table->column_count) return table->columns[attnum - 1].name;
    return "?";
}

static void buf_columns(TextBuf *buf, const CatTable *table, const int16_t *attnums,
                        uint16_t count)
{
    for (uint16_t idx = 0; idx < count; idx++) {
        if (idx > 0) buf_add(buf, ", ");
        buf_ident(buf, column_name(table, attnums[idx]));
    }
}

/* find_index: the index with oid: *table_out its table, *index_out the CatIndex. */
static Error *find_index(const KernCatEnv *env, Arena *arena, uint32_t oid,
                         const CatTable **table_out, const CatIndex **index_out)
{
    *table_out = NULL;
    *index_out = NULL;
    const CatTable *rel = NULL;
    TRY(catalog_get(env->catalog, env->txn, oid, &rel));
    if (rel == NULL) {
        /* a clustered table's primary key: an index over its columns */
        const CatConstraint *pk = NULL;
        TRY(virtual_index(env, oid, &rel, &pk));
        if (pk == NULL) return NULL;
        CatIndex *index = arena_calloc(arena, sizeof *index);
        if (index == NULL) return kern_oom();
        *index = (CatIndex){ .oid = oid, .name = pk->name, .table_oid = rel->oid, .unique = true,
                             .primary = true, .key_count = pk->column_count,
                             .attnums = pk->attnums };
        *table_out = rel;
        *index_out = index;
        return NULL;
    }
    if (rel->kind != CAT_KIND_INDEX || rel->index_count == 0) return NULL;
    const CatIndex *index = rel->indexes[0];
    TRY(catalog_get(env->catalog, env->txn, index->table_oid, table_out));
    if (*table_out != NULL) *index_out = index;
    return NULL;
}

/* index_def: pg_get_indexdef: the table is schema-qualified, except in pretty mode when
 * visible (PostgreSQL's generate_relation_name). */
static Error *index_def(const KernCatEnv *env, TextBuf *buf, const CatTable *table,
                        const CatIndex *index, int column, bool pretty)
{
    if (column > 0) {
        if (column <= index->key_count) buf_ident(buf, column_name(table, index->attnums[column - 1]));
        return NULL;
    }
    buf_add(buf, "CREATE %sINDEX ", index->unique ? "UNIQUE " : "");
    buf_ident(buf, index->name);
    buf_add(buf, " ON ");
    if (pretty) {
        RelInfo rel = { .oid = table->oid, .name = table->name, .nspname = table->namespace_name,
                        .kind = table->kind, .table = table };
        const char *text = NULL;
        TRY(relation_text(env, buf->arena, &rel, &text));
        buf_add(buf, "%s", text);
    } else {
        buf_ident(buf, table->namespace_name);
        buf_add(buf, ".");
        buf_ident(buf, table->name);
    }
    buf_add(buf, " USING btree (");
    for (uint16_t key_idx = 0; key_idx < index->key_count; key_idx++) {
        if (key_idx > 0) buf_add(buf, ", ");
        buf_ident(buf, column_name(table, index->attnums[key_idx]));
        bool desc = index->descending != NULL && index->descending[key_idx];
        bool nulls_first = index->nulls_first != NULL ? index->nulls_first[key_idx] : desc;
        if (desc) buf_add(buf, " DESC");
        if (desc && !nulls_first) buf_add(buf, " NULLS LAST");
        if (!desc && nulls_first) buf_add(buf, " NULLS FIRST");
    }
    buf_add(buf, ")");
    return NULL;
}

static Error *indexdef_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                              uint32_t count, Vector *out, bool with_column)
{
    /* strict in the OID only: a NULL column number is column 0 */
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const CatTable *table = NULL;
        const CatIndex *index = NULL;
        if (have_env) TRY(find_index(&env, ctx->arena, (uint32_t)row_i64(args[0], r), &table, &index));
        if (index == NULL) {
            TRY(vec_set_null(out, r));
            continue;
        }
        int column = with_column && !row_null(args[1], r) ? (int)row_i64(args[1], r) : 0;
        bool pretty = with_column && !row_null(args[2], r) &&
                      vec_bool(args[2])[args[2]->is_constant ? 0 : r];
        TextBuf buf = { .arena = ctx->arena };
        TRY(index_def(&env, &buf, table, index, column, pretty));
        TRY(buf_finish(&buf, out, r));
    });
    return NULL;
}

KERN_DECLARE(kern_pg_get_indexdef) { return indexdef_kernel(ctx, args, sel, count, out, false); }
KERN_DECLARE(kern_pg_get_indexdef3) { return indexdef_kernel(ctx, args, sel, count, out, true); }

Error *kern_regclass_name_text(const KernCatEnv *env, const char *text, Arena *arena,
                               const char **out)
{
    *out = NULL;
    QualName name;
    Error *err = parse_qualified(text, &name);
    if (err != NULL) {
        err_free(err);
        return NULL;
    }
    uint32_t oid = 0;
    err = relation_by_name(env, &name, &oid);
    if (err != NULL) {
        if (err->state == SQLSTATE_INVALID_SCHEMA_NAME || err->state == SQLSTATE_FEATURE_NOT_SUPPORTED) {
            err_free(err);
            return NULL;
        }
        return err;
    }
    if (oid == 0) return NULL;
    RelInfo rel;
    bool found = false;
    TRY(relation_by_oid(env, oid, &rel, &found));
    if (!found) return NULL;
    return relation_text(env, arena, &rel, out);
}

/* ------------------------------------------------------------ constraints ---- */

typedef struct ConstraintHit {
    const CatTable      *table;
    const CatConstraint *constraint;
} ConstraintHit;

/* find_constraint: the constraint with oid among every relation visible to the snapshot. */
static Error *find_constraint(const KernCatEnv *env, Arena *arena, uint32_t oid,
                              ConstraintHit *hit)
{
    hit->table = NULL;
    hit->constraint = NULL;
    const CatTable **tables = NULL;
    size_t table_count = 0;
    TRY(catalog_list(env->catalog, env->txn, arena, &tables, &table_count));
    for (size_t table_idx = 0; table_idx < table_count; table_idx++) {
        const CatTable *table = tables[table_idx];
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            if (table->constraints[con_idx].oid == oid) {
                hit->table = table;
                hit->constraint = &table->constraints[con_idx];
                return NULL;
            }
        }
    }
    return NULL;
}

static const char *fk_action(char action)
{
    switch (action) {
    case CAT_FK_RESTRICT: return "RESTRICT";
    case CAT_FK_CASCADE: return "CASCADE";
    case CAT_FK_SET_NULL: return "SET NULL";
    case CAT_FK_SET_DEFAULT: return "SET DEFAULT";
    default: return NULL;
    }
}

static Error *constraint_def(const KernCatEnv *env, Arena *arena, const ConstraintHit *hit,
                             bool pretty, TextBuf *buf)
{
    const CatConstraint *con = hit->constraint;
    switch (con->kind) {
    case CAT_CONSTR_PRIMARY:
    case CAT_CONSTR_UNIQUE:
        buf_add(buf, con->kind == CAT_CONSTR_PRIMARY ? "PRIMARY KEY (" : "UNIQUE (");
        buf_columns(buf, hit->table, con->attnums, con->column_count);
        buf_add(buf, ")");
        return NULL;
    case CAT_CONSTR_FOREIGN: {
        buf_add(buf, "FOREIGN KEY (");
        buf_columns(buf, hit->table, con->attnums, con->column_count);
        buf_add(buf, ") REFERENCES ");
        RelInfo ref;
        bool found = false;
        TRY(relation_by_oid(env, con->ref_table_oid, &ref, &found));
        if (!found || ref.table == NULL) {
            buf_add(buf, "%u", con->ref_table_oid);
            return NULL;
        }
        const char *ref_text = NULL;
        TRY(relation_text(env, arena, &ref, &ref_text));
        buf_add(buf, "%s(", ref_text);
        buf_columns(buf, ref.table, con->ref_attnums, con->column_count);
        buf_add(buf, ")");
        const char *on_update = fk_action(con->on_update), *on_delete = fk_action(con->on_delete);
        if (on_update != NULL) buf_add(buf, " ON UPDATE %s", on_update);
        if (on_delete != NULL) buf_add(buf, " ON DELETE %s", on_delete);
        return NULL;
    }
    case CAT_CONSTR_CHECK: {
        const char *text = NULL;
        TRY(kern_deparse_sql(env, true, hit->table, con->check_sql != NULL ? con->check_sql : "",
                             false, type_plain(TYPE_INVALID), pretty, arena, &text));
        buf_add(buf, "CHECK (%s)", text);
        return NULL;
    }
    default:
        buf_add(buf, "???");
        return NULL;
    }
}

static Error *constraintdef_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                                   uint32_t count, Vector *out, bool with_pretty)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        ConstraintHit hit = { 0 };
        if (have_env) TRY(find_constraint(&env, ctx->arena, (uint32_t)row_i64(args[0], r), &hit));
        if (hit.constraint == NULL) {
            TRY(vec_set_null(out, r));
            continue;
        }
        bool pretty = with_pretty && !row_null(args[1], r) && vec_bool(args[1])[args[1]->is_constant ? 0 : r];
        TextBuf buf = { .arena = ctx->arena };
        TRY(constraint_def(&env, ctx->arena, &hit, pretty, &buf));
        TRY(buf_finish(&buf, out, r));
    });
    return NULL;
}

KERN_DECLARE(kern_pg_get_constraintdef) { return constraintdef_kernel(ctx, args, sel, count, out, false); }
KERN_DECLARE(kern_pg_get_constraintdef2) { return constraintdef_kernel(ctx, args, sel, count, out, true); }

/* ------------------------------------------------------------ pg_get_expr ---- */

/* find_default: the column of table whose default text is sql (to label its constants). */
static const CatColumn *find_default(const CatTable *table, const char *sql)
{
    if (table == NULL) return NULL;
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        if (!column->dropped && column->default_sql != NULL && strcmp(column->default_sql, sql) == 0) {
            return column;
        }
    }
    return NULL;
}

static Error *get_expr_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                              uint32_t count, Vector *out, bool with_pretty)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Error *err = NULL;
        const char *sql = row_text(ctx, args[0], r, &err);
        if (err != NULL) return err;
        const CatTable *table = NULL;
        if (have_env) {
            TRY(catalog_get(env.catalog, env.txn, (uint32_t)row_i64(args[1], r), &table));
        }
        bool pretty = with_pretty && !row_null(args[2], r) && vec_bool(args[2])[args[2]->is_constant ? 0 : r];
        const CatColumn *column = find_default(table, sql);
        const char *text = NULL;
        TRY(kern_deparse_sql(&env, have_env, table, sql, column != NULL,
                             column != NULL ? column->type : type_plain(TYPE_INVALID), pretty,
                             ctx->arena, &text));
        TRY(set_text(out, r, text));
    });
    return NULL;
}

KERN_DECLARE(kern_pg_get_expr) { return get_expr_kernel(ctx, args, sel, count, out, false); }
KERN_DECLARE(kern_pg_get_expr3) { return get_expr_kernel(ctx, args, sel, count, out, true); }

/* ------------------------------------------------------------ views ---- */

KERN_DECLARE(kern_pg_get_viewdef)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const CatTable *table = NULL;
        if (have_env) {
            if (args[0]->phys == VEC_PHYS_STR) {
                Error *err = NULL;
                const char *name_text = row_text(ctx, args[0], r, &err);
                if (err != NULL) return err;
                QualName name;
                TRY(parse_qualified(name_text, &name));
                uint32_t oid = 0;
                TRY(relation_by_name(&env, &name, &oid));
                if (oid == 0) {
                    char full[3 * KCAT_NAME_BUF + 4];
                    joined(&name, full, sizeof full);
                    return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", full);
                }
                TRY(catalog_get(env.catalog, env.txn, oid, &table));
            } else {
                TRY(catalog_get(env.catalog, env.txn, (uint32_t)row_i64(args[0], r), &table));
            }
        }
        if (table == NULL || table->kind != CAT_KIND_VIEW) {
            TRY(vec_set_null(out, r));
            continue;
        }
        const char *text = NULL;
        TRY(kern_deparse_view(&env, have_env, table->view_sql != NULL ? table->view_sql : "",
                              ctx->arena, &text));
        TRY(set_text(out, r, text));
    });
    return NULL;
}

/* -------------------------------------------------------- serial sequences ---- */

/* nextval_target: the relation text inside "nextval('x'::regclass)", or NULL. */
static const char *nextval_target(const char *sql, Arena *arena)
{
    static const char PREFIX[] = "nextval('";
    if (sql == NULL || strncmp(sql, PREFIX, sizeof PREFIX - 1) != 0) return NULL;
    const char *start = sql + sizeof PREFIX - 1;
    const char *end = strstr(start, "'::regclass)");
    if (end == NULL) return NULL;
    char *text = arena_strndup(arena, start, (size_t)(end - start));
    if (text == NULL) return NULL;
    /* '' inside the literal is one quote */
    char *write = text;
    for (const char *read = text; *read != '\0'; read++) {
        *write++ = *read;
        if (read[0] == '\'' && read[1] == '\'') read++;
    }
    *write = '\0';
    return text;
}

KERN_DECLARE(kern_pg_get_serial_sequence)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Error *err = NULL;
        const char *table_text = row_text(ctx, args[0], r, &err);
        const char *column_text = err == NULL ? row_text(ctx, args[1], r, &err) : NULL;
        if (err != NULL) return err;
        QualName name;
        TRY(parse_qualified(table_text, &name));
        uint32_t oid = 0;
        if (have_env) TRY(relation_by_name(&env, &name, &oid));
        const CatTable *table = NULL;
        if (oid != 0) TRY(catalog_get(env.catalog, env.txn, oid, &table));
        if (table == NULL) {
            char full[3 * KCAT_NAME_BUF + 4];
            joined(&name, full, sizeof full);
            return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", full);
        }
        const CatColumn *column = NULL;
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            if (!table->columns[col_idx].dropped && strcmp(table->columns[col_idx].name, column_text) == 0) {
                column = &table->columns[col_idx];
            }
        }
        if (column == NULL) {
            return err_new(SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist",
                           column_text, table->name);
        }
        const char *target = nextval_target(column->default_sql, ctx->arena);
        const char *result = NULL;
        if (target != NULL) {
            QualName seq_name;
            uint32_t seq_oid = 0;
            if (parse_qualified(target, &seq_name) == NULL) {
                TRY(relation_by_name(&env, &seq_name, &seq_oid));
            }
            RelInfo seq;
            bool found = false;
            if (seq_oid != 0) TRY(relation_by_oid(&env, seq_oid, &seq, &found));
            if (found) TRY(qualified_text(ctx->arena, seq.nspname, seq.name, true, &result));
        }
        TRY(set_text(out, r, result));
    });
    return NULL;
}

/* ------------------------------------------------------------ privileges ---- */

typedef enum PrivObject { PRIV_TABLE, PRIV_SCHEMA, PRIV_DATABASE, PRIV_COLUMN, PRIV_SEQUENCE,
                          PRIV_FUNCTION, PRIV_ROLE } PrivObject;

/* check_privilege_text: PostgreSQL's convert_any_priv_string: a comma list of privilege names
 * (any case, blanks around, optional WITH GRANT OPTION). Errors: INVALID_PARAMETER_VALUE. */
static Error *check_privilege_text(PrivObject object, const char *text)
{
    static const char *const TABLE[] = { "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE",
                                         "REFERENCES", "TRIGGER", NULL };
    static const char *const SCHEMA[] = { "CREATE", "USAGE", NULL };
    static const char *const DATABASE[] = { "CREATE", "CONNECT", "TEMPORARY", "TEMP", NULL };
    static const char *const COLUMN[] = { "SELECT", "INSERT", "UPDATE", "REFERENCES", NULL };
    static const char *const SEQUENCE[] = { "USAGE", "SELECT", "UPDATE", NULL };
    static const char *const FUNCTION[] = { "EXECUTE", NULL };
    static const char *const ROLE[] = { "MEMBER", "USAGE", NULL };
    const char *const *names = object == PRIV_TABLE ? TABLE : object == PRIV_SCHEMA ? SCHEMA
                               : object == PRIV_DATABASE ? DATABASE : object == PRIV_COLUMN ? COLUMN
                               : object == PRIV_SEQUENCE ? SEQUENCE : object == PRIV_FUNCTION ? FUNCTION
                                                                                               : ROLE;
    const char *cursor = text;
    for (;;) {
        while (isspace((unsigned char)*cursor)) cursor++;
        const char *start = cursor;
        while (*cursor != '\0' && *cursor != ',') cursor++;
        const char *end = cursor;
        while (end > start && isspace((unsigned char)end[-1])) end--;
        char word[64];
        size_t length = (size_t)(end - start) < sizeof word - 1 ? (size_t)(end - start) : sizeof word - 1;
        for (size_t idx = 0; idx < length; idx++) word[idx] = (char)toupper((unsigned char)start[idx]);
        word[length] = '\0';
        static const char GRANT[] = " WITH GRANT OPTION";
        size_t grant_size = sizeof GRANT - 1;
        if (length > grant_size && strcmp(word + length - grant_size, GRANT) == 0 && object != PRIV_ROLE) {
            word[length - grant_size] = '\0';
        }
        bool known = false;
        for (size_t idx = 0; names[idx] != NULL; idx++) known = known || strcmp(names[idx], word) == 0;
        if (!known) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "unrecognized privilege type: \"%.*s\"",
                           (int)(end - start), start);
        }
        if (*cursor == '\0') return NULL;
        cursor++;
    }
}

/* privilege_object: does the object (arg, a name or an OID) exist? Names that do not: the
 * PostgreSQL error; OIDs that do not: *exists_out false (the result is NULL). */
static Error *privilege_object(KernCtx *ctx, const KernCatEnv *env, PrivObject object,
                               const Vector *arg, uint32_t row, bool *exists_out)
{
    *exists_out = true;
    bool by_name = arg->phys == VEC_PHYS_STR;
    Error *err = NULL;
    const char *text = by_name ? row_text(ctx, arg, row, &err) : NULL;
    if (err != NULL) return err;
    uint32_t oid = by_name ? 0 : (uint32_t)row_i64(arg, row);
    switch (object) {
    case PRIV_TABLE:
    case PRIV_SEQUENCE:
    case PRIV_COLUMN: {
        if (by_name) {
            QualName name;
            TRY(parse_qualified(text, &name));
            TRY(relation_by_name(env, &name, &oid));
            if (oid == 0) {
                char full[3 * KCAT_NAME_BUF + 4];
                joined(&name, full, sizeof full);
                return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", full);
            }
        }
        RelInfo rel;
        TRY(relation_by_oid(env, oid, &rel, exists_out));
        if (*exists_out && object == PRIV_SEQUENCE && rel.kind != CAT_KIND_SEQUENCE) {
            return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a sequence", rel.name);
        }
        return NULL;
    }
    case PRIV_SCHEMA:
        if (by_name) {
            TRY(namespace_oid(env, text, &oid));
            if (oid == 0) {
                return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", text);
            }
            return NULL;
        } else {
            const char *name = NULL;
            TRY(namespace_name(env, oid, &name));
            *exists_out = name != NULL;
            return NULL;
        }
    case PRIV_ROLE:
        if (by_name) {
            TRY(role_oid(env, text, &oid));
            if (oid == 0) return err_new(SQLSTATE_UNDEFINED_OBJECT, "role \"%s\" does not exist", text);
        } else {
            const char *name = NULL;
            TRY(role_name(env, oid, &name));
            *exists_out = name != NULL;
        }
        return NULL;
    case PRIV_DATABASE:
    case PRIV_FUNCTION:
        return NULL;
    }
    return NULL;
}

/* privilege_kernel: has_X_privilege([user,] object, [column,] privilege): every user is a
 * superuser, so the answer is true once the user, object and privilege check out. */
static Error *privilege_kernel(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                               uint32_t count, Vector *out, PrivObject object, uint32_t arg_count,
                               bool with_user, bool with_column)
{
    TRY(kern_out_begin(out, args, arg_count, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    if (!have_env) return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "privilege functions need a catalog");
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        uint32_t arg_idx = 0;
        bool exists = true;
        if (with_user) TRY(privilege_object(ctx, &env, PRIV_ROLE, args[arg_idx++], r, &exists));
        bool object_exists = true;
        if (exists) {
            TRY(privilege_object(ctx, &env, object, args[arg_idx], r, &object_exists));
        }
        arg_idx++;
        if (with_column) arg_idx++;
        Error *err = NULL;
        const char *priv = row_text(ctx, args[arg_idx], r, &err);
        if (err != NULL) return err;
        TRY(check_privilege_text(object == PRIV_ROLE && !with_user ? PRIV_ROLE : object, priv));
        if (!exists || !object_exists) {
            TRY(vec_set_null(out, r));
            continue;
        }
        vec_bool(out)[r] = 1;
    });
    return NULL;
}

KERN_DECLARE(kern_has_table_privilege2) { return privilege_kernel(ctx, args, sel, count, out, PRIV_TABLE, 2, false, false); }
KERN_DECLARE(kern_has_table_privilege3) { return privilege_kernel(ctx, args, sel, count, out, PRIV_TABLE, 3, true, false); }
KERN_DECLARE(kern_has_schema_privilege2) { return privilege_kernel(ctx, args, sel, count, out, PRIV_SCHEMA, 2, false, false); }
KERN_DECLARE(kern_has_schema_privilege3) { return privilege_kernel(ctx, args, sel, count, out, PRIV_SCHEMA, 3, true, false); }
KERN_DECLARE(kern_has_database_privilege2) { return privilege_kernel(ctx, args, sel, count, out, PRIV_DATABASE, 2, false, false); }
KERN_DECLARE(kern_has_database_privilege3) { return privilege_kernel(ctx, args, sel, count, out, PRIV_DATABASE, 3, true, false); }
KERN_DECLARE(kern_has_column_privilege3) { return privilege_kernel(ctx, args, sel, count, out, PRIV_COLUMN, 3, false, true); }
KERN_DECLARE(kern_has_sequence_privilege2) { return privilege_kernel(ctx, args, sel, count, out, PRIV_SEQUENCE, 2, false, false); }
KERN_DECLARE(kern_has_function_privilege2) { return privilege_kernel(ctx, args, sel, count, out, PRIV_FUNCTION, 2, false, false); }
KERN_DECLARE(kern_pg_has_role2) { return privilege_kernel(ctx, args, sel, count, out, PRIV_ROLE, 2, false, false); }
KERN_DECLARE(kern_pg_has_role3) { return privilege_kernel(ctx, args, sel, count, out, PRIV_ROLE, 3, true, false); }

/* ------------------------------------------------------------ session values ---- */

KERN_DECLARE(kern_txid_current)
{
    (void)args;
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    TRY(kern_out_reserve(out, sel, count));
    int64_t xid = have_env ? (int64_t)txn_xid(env.txn) : 0;
    FOR_ROWS(sel, count, vec_i64(out)[r] = xid;);
    return NULL;
}

/* kern_current_schemas: current_schemas(include_implicit): the search path's schemas that
 * exist ("$user" is the session user's schema when there is one), pg_catalog first when
 * include_implicit and not listed. */
KERN_DECLARE(kern_current_schemas)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    KernCatEnv env;
    bool have_env = kern_catalog_env(ctx, &env);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        bool implicit = vec_bool(args[0])[args[0]->is_constant ? 0 : r] != 0;
        ArrayBuilder builder;
        array_builder_init(&builder, ctx->arena, TYPE_NAME, 1);
        if (implicit && !path_has(&env, "pg_catalog")) array_builder_add_text(&builder, "pg_catalog", -1);
        for (size_t idx = 0; have_env && idx < env.search_path_count; idx++) {
            const char *name = env.search_path[idx];
            if (strcmp(name, "$user") == 0) name = env.user != NULL ? env.user : "";
            uint32_t oid = 0;
            TRY(namespace_oid(&env, name, &oid));
            if (oid != 0) array_builder_add_text(&builder, name, -1);
        }
        size_t size = 0;
        const uint8_t *bytes = array_builder_finish(&builder, &size);
        if (bytes == NULL) return kern_oom();
        TRY(kern_array_set(out, r, bytes, size));
    });
    return NULL;
}
