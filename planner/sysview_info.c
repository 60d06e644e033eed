/* planner/sysview_info.c: generators of the cluster-level pg_catalog relations (pg_database,
 * pg_authid and the views over it, pg_am, pg_collation, pg_tablespace, pg_proc, pg_settings,
 * the statistics views) and of information_schema.
 *
 * information_schema follows PostgreSQL 15's view definitions for a superuser (who sees every
 * object): system relations included, NOT NULL columns listed as CHECK constraints named
 * <schema oid>_<table oid>_<attnum>_not_null, domains shown as their base types. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/asserts.h"
#include "planner/sysview_data.h"
#include "planner/sysview_int.h"

static Error *sys_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static const char *yes_no(bool value) { return value ? "YES" : "NO"; }

/* ------------------------------------------------------------ small catalogs ---- */

Error *sysgen_pg_am(SysGen *gen)
{
    for (size_t idx = 0; idx < SYS_AM_COUNT; idx++) {
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", SYS_AMS[idx].oid);
        sys_set_text(gen, "amname", SYS_AMS[idx].name);
        sys_set_text(gen, "amhandler", SYS_AMS[idx].handler);
        sys_set_char(gen, "amtype", SYS_AMS[idx].type);
    }
    return NULL;
}

Error *sysgen_pg_collation(SysGen *gen)
{
    for (size_t idx = 0; idx < SYS_COLLATION_COUNT; idx++) {
        const SysCollationRow *row = &SYS_COLLATIONS[idx];
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", row->oid);
        sys_set_text(gen, "collname", row->name);
        sys_set_int(gen, "collnamespace", CAT_OID_PG_CATALOG);
        sys_set_int(gen, "collowner", CAT_OID_BOOTSTRAP_ROLE);
        sys_set_char(gen, "collprovider", row->provider);
        sys_set_bool(gen, "collisdeterministic", true);
        sys_set_int(gen, "collencoding", row->encoding);
        sys_set_text(gen, "collcollate", row->collate);
        sys_set_text(gen, "collctype", row->ctype);
    }
    return NULL;
}

Error *sysgen_pg_tablespace(SysGen *gen)
{
    static const struct { uint32_t oid; const char *name; } SPACES[] = {
        { SYS_OID_TABLESPACE_DEFAULT, "pg_default" }, { SYS_OID_TABLESPACE_GLOBAL, "pg_global" },
    };
    for (size_t idx = 0; idx < 2; idx++) {
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", SPACES[idx].oid);
        sys_set_text(gen, "spcname", SPACES[idx].name);
        sys_set_int(gen, "spcowner", CAT_OID_BOOTSTRAP_ROLE);
    }
    return NULL;
}

/* database_row: one pg_database row; the file's own database, and PostgreSQL's two template
 * databases (template1 oid 1, template0 oid 4) that clients expect to find. birch serves one
 * database per file: the templates are catalog rows only, connecting to them is refused. */
static Error *database_row(SysGen *gen, uint32_t oid, const char *name, bool is_template,
                           bool allow_connections)
{
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "oid", oid);
    sys_set_text(gen, "datname", name);
    sys_set_int(gen, "datdba", CAT_OID_BOOTSTRAP_ROLE);
    sys_set_int(gen, "encoding", 6);    /* UTF8 */
    sys_set_char(gen, "datlocprovider", 'c');
    sys_set_bool(gen, "datistemplate", is_template);
    sys_set_bool(gen, "datallowconn", allow_connections);
    sys_set_int(gen, "datconnlimit", -1);
    sys_set_int(gen, "datfrozenxid", 0);
    sys_set_int(gen, "datminmxid", 1);
    sys_set_int(gen, "dattablespace", SYS_OID_TABLESPACE_DEFAULT);
    sys_set_text(gen, "datcollate", "C");
    sys_set_text(gen, "datctype", "C");
    return NULL;
}

Error *sysgen_pg_database(SysGen *gen)
{
    const char *name = gen->env->database != NULL ? gen->env->database : "birch";
    TRY(database_row(gen, SYS_OID_DATABASE, name, false, true));
    if (strcmp(name, "template1") != 0) TRY(database_row(gen, 1, "template1", true, true));
    if (strcmp(name, "template0") != 0) TRY(database_row(gen, 4, "template0", true, false));
    return NULL;
}

/* ------------------------------------------------------------------ roles ---- */

typedef struct RoleView {
    uint32_t       oid;
    const char    *name;
    const CatRole *role;          /* NULL: a predefined role (no attributes) */
} RoleView;

static int compare_role(const void *a, const void *b)
{
    const RoleView *left = a, *right = b;
    return left->oid < right->oid ? -1 : left->oid > right->oid ? 1 : 0;
}

/* all_roles: the catalog's roles and PostgreSQL's predefined ones, by OID. */
static Error *all_roles(SysGen *gen, const SysCatalog *cat, RoleView **roles_out,
                        size_t *count_out)
{
    size_t capacity = cat->role_count + SYS_PREDEFINED_ROLE_COUNT;
    RoleView *roles = arena_calloc(gen->env->arena, (capacity + 1) * sizeof *roles);
    if (roles == NULL) return sys_oom();
    size_t count = 0;
    for (size_t idx = 0; idx < cat->role_count; idx++) {
        roles[count++] = (RoleView){ cat->roles[idx]->oid, cat->roles[idx]->name,
                                     cat->roles[idx] };
    }
    for (size_t idx = 0; idx < SYS_PREDEFINED_ROLE_COUNT; idx++) {
        bool taken = false;
        for (size_t other = 0; other < cat->role_count; other++) {
            if (cat->roles[other]->oid == SYS_PREDEFINED_ROLES[idx].oid) taken = true;
        }
        if (!taken) {
            roles[count++] = (RoleView){ SYS_PREDEFINED_ROLES[idx].oid,
                                         SYS_PREDEFINED_ROLES[idx].name, NULL };
        }
    }
    qsort(roles, count, sizeof *roles, compare_role);
    *roles_out = roles;
    *count_out = count;
    return NULL;
}

static void role_flags(SysGen *gen, const CatRole *role, bool inherit_default)
{
    sys_set_bool(gen, "rolsuper", role != NULL && role->superuser);
    sys_set_bool(gen, "rolinherit", role != NULL ? role->inherit : inherit_default);
    sys_set_bool(gen, "rolcreaterole", role != NULL && role->create_role);
    sys_set_bool(gen, "rolcreatedb", role != NULL && role->create_db);
    sys_set_bool(gen, "rolcanlogin", role != NULL && role->can_login);
    sys_set_bool(gen, "rolreplication", role != NULL && role->replication);
    sys_set_bool(gen, "rolbypassrls", role != NULL && role->bypass_rls);
    sys_set_int(gen, "rolconnlimit", role != NULL ? role->conn_limit : -1);
    if (role != NULL && role->valid_until != INT64_MAX) {
        sys_set_int(gen, "rolvaliduntil", role->valid_until);
    }
}

Error *sysgen_pg_authid(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    RoleView *roles = NULL;
    size_t count = 0;
    TRY(all_roles(gen, &cat, &roles, &count));
    for (size_t idx = 0; idx < count; idx++) {
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", roles[idx].oid);
        sys_set_text(gen, "rolname", roles[idx].name);
        role_flags(gen, roles[idx].role, true);
        if (roles[idx].role != NULL) sys_set_text(gen, "rolpassword", roles[idx].role->password);
    }
    return NULL;
}

Error *sysgen_pg_roles(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    RoleView *roles = NULL;
    size_t count = 0;
    TRY(all_roles(gen, &cat, &roles, &count));
    for (size_t idx = 0; idx < count; idx++) {
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", roles[idx].oid);
        sys_set_text(gen, "rolname", roles[idx].name);
        role_flags(gen, roles[idx].role, true);
        sys_set_text(gen, "rolpassword", "********");
    }
    return NULL;
}

Error *sysgen_pg_user(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.role_count; idx++) {
        const CatRole *role = cat.roles[idx];
        if (!role->can_login) continue;
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "usename", role->name);
        sys_set_int(gen, "usesysid", role->oid);
        sys_set_bool(gen, "usecreatedb", role->create_db);
        sys_set_bool(gen, "usesuper", role->superuser);
        sys_set_bool(gen, "userepl", role->replication);
        sys_set_bool(gen, "usebypassrls", role->bypass_rls);
        sys_set_text(gen, "passwd", "********");
        if (role->valid_until != INT64_MAX) sys_set_int(gen, "valuntil", role->valid_until);
    }
    return NULL;
}

Error *sysgen_pg_auth_members(SysGen *gen)
{
    (void)gen;
    return NULL;
}

/* -------------------------------------------------------------------- pg_proc ---- */

/* Built-in functions clients look up (regproc, \\df+ with a pattern, pg_dump's checks), as
 * PostgreSQL 15's pg_proc lists them: the first overload of each name (lowest OID), with up
 * to three argument types. */
typedef struct ProcRow {
    uint32_t    oid;
    const char *name;
    int16_t     nargs;
    uint32_t    result;
    char        kind;
    char        volatility;
    bool        strict;
    uint32_t    args[3];
} ProcRow;

static const ProcRow PROCS[] = {
        { 89, "version", 0, 25, 'f', 's', true, { 0, 0, 0 } },
        { 384, "array_to_string", 3, 25, 'f', 's', false, { 2277, 25, 25 } },
        { 720, "octet_length", 1, 23, 'f', 'i', true, { 17, 0, 0 } },
        { 753, "trunc", 1, 829, 'f', 'i', true, { 829, 0, 0 } },
        { 849, "position", 2, 23, 'f', 'i', true, { 25, 25, 0 } },
        { 861, "current_database", 0, 19, 'f', 's', true, { 0, 0, 0 } },
        { 868, "strpos", 2, 23, 'f', 'i', true, { 25, 25, 0 } },
        { 870, "lower", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 871, "upper", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 872, "initcap", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 873, "lpad", 3, 25, 'f', 'i', true, { 25, 23, 25 } },
        { 874, "rpad", 3, 25, 'f', 'i', true, { 25, 23, 25 } },
        { 877, "substr", 3, 25, 'f', 'i', true, { 25, 23, 23 } },
        { 884, "btrim", 2, 25, 'f', 'i', true, { 25, 25, 0 } },
        { 938, "generate_series", 3, 1114, 'f', 'i', true, { 1114, 1114, 1186 } },
        { 940, "mod", 2, 21, 'f', 'i', true, { 21, 21, 0 } },
        { 1081, "format_type", 2, 25, 'f', 's', false, { 26, 23, 0 } },
        { 1171, "date_part", 2, 701, 'f', 's', true, { 25, 1184, 0 } },
        { 1181, "age", 1, 23, 'f', 's', true, { 28, 0, 0 } },
        { 1215, "obj_description", 2, 25, 'f', 's', true, { 26, 19, 0 } },
        { 1216, "col_description", 2, 25, 'f', 's', true, { 26, 23, 0 } },
        { 1217, "date_trunc", 2, 1184, 'f', 's', true, { 25, 1184, 0 } },
        { 1282, "quote_ident", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 1283, "quote_literal", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 1293, "unnest", 1, 3831, 'f', 'i', true, { 4537, 0, 0 } },
        { 1299, "now", 0, 1184, 'f', 's', true, { 0, 0, 0 } },
        { 1317, "length", 1, 23, 'f', 'i', true, { 25, 0, 0 } },
        { 1340, "log", 1, 701, 'f', 'i', true, { 701, 0, 0 } },
        { 1341, "ln", 1, 701, 'f', 'i', true, { 701, 0, 0 } },
        { 1342, "round", 1, 701, 'f', 'i', true, { 701, 0, 0 } },
        { 1344, "sqrt", 1, 701, 'f', 'i', true, { 701, 0, 0 } },
        { 1347, "exp", 1, 701, 'f', 'i', true, { 701, 0, 0 } },
        { 1368, "power", 2, 701, 'f', 'i', true, { 701, 701, 0 } },
        { 1372, "char_length", 1, 23, 'f', 'i', true, { 1042, 0, 0 } },
        { 1387, "pg_get_constraintdef", 1, 25, 'f', 's', true, { 26, 0, 0 } },
        { 1394, "abs", 1, 700, 'f', 'i', true, { 700, 0, 0 } },
        { 1402, "current_schema", 0, 19, 'f', 's', true, { 0, 0, 0 } },
        { 1403, "current_schemas", 1, 1003, 'f', 's', true, { 16, 0, 0 } },
        { 1574, "nextval", 1, 20, 'f', 'v', true, { 2205, 0, 0 } },
        { 1575, "currval", 1, 20, 'f', 'v', true, { 2205, 0, 0 } },
        { 1576, "setval", 2, 20, 'f', 'v', true, { 2205, 20, 0 } },
        { 1598, "random", 0, 701, 'f', 'v', true, { 0, 0, 0 } },
        { 1619, "pg_typeof", 1, 2206, 'f', 's', false, { 2276, 0, 0 } },
        { 1620, "ascii", 1, 23, 'f', 'i', true, { 25, 0, 0 } },
        { 1621, "chr", 1, 25, 'f', 'i', true, { 23, 0, 0 } },
        { 1622, "repeat", 2, 25, 'f', 'i', true, { 25, 23, 0 } },
        { 1642, "pg_get_userbyid", 1, 19, 'f', 's', true, { 26, 0, 0 } },
        { 1643, "pg_get_indexdef", 1, 25, 'f', 's', true, { 26, 0, 0 } },
        { 1706, "sign", 1, 1700, 'f', 'i', true, { 1700, 0, 0 } },
        { 1711, "ceil", 1, 1700, 'f', 'i', true, { 1700, 0, 0 } },
        { 1712, "floor", 1, 1700, 'f', 'i', true, { 1700, 0, 0 } },
        { 1716, "pg_get_expr", 2, 25, 'f', 's', true, { 194, 26, 0 } },
        { 1768, "to_char", 2, 25, 'f', 's', true, { 1186, 25, 0 } },
        { 1946, "encode", 2, 25, 'f', 'i', true, { 17, 25, 0 } },
        { 1947, "decode", 2, 17, 'f', 'i', true, { 25, 25, 0 } },
        { 2026, "pg_backend_pid", 0, 23, 'f', 's', true, { 0, 0, 0 } },
        { 2050, "max", 1, 2277, 'a', 'i', false, { 2277, 0, 0 } },
        { 2051, "min", 1, 2277, 'a', 'i', false, { 2277, 0, 0 } },
        { 2077, "current_setting", 1, 25, 'f', 's', true, { 25, 0, 0 } },
        { 2078, "set_config", 3, 25, 'f', 'v', false, { 25, 25, 16 } },
        { 2079, "pg_table_is_visible", 1, 16, 'f', 's', true, { 26, 0, 0 } },
        { 2087, "replace", 3, 25, 'f', 'i', true, { 25, 25, 25 } },
        { 2088, "split_part", 3, 25, 'f', 'i', true, { 25, 25, 23 } },
        { 2100, "avg", 1, 1700, 'a', 'i', false, { 20, 0, 0 } },
        { 2107, "sum", 1, 1700, 'a', 'i', false, { 20, 0, 0 } },
        { 2147, "count", 1, 20, 'a', 'i', false, { 2276, 0, 0 } },
        { 2148, "variance", 1, 1700, 'a', 'i', false, { 20, 0, 0 } },
        { 2154, "stddev", 1, 1700, 'a', 'i', false, { 20, 0, 0 } },
        { 2284, "regexp_replace", 3, 25, 'f', 'i', true, { 25, 25, 25 } },
        { 2311, "md5", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 2335, "array_agg", 1, 2277, 'a', 'i', false, { 2776, 0, 0 } },
        { 2517, "bool_and", 1, 16, 'a', 'i', false, { 16, 0, 0 } },
        { 2518, "bool_or", 1, 16, 'a', 'i', false, { 16, 0, 0 } },
        { 2519, "every", 1, 16, 'a', 'i', false, { 16, 0, 0 } },
        { 2647, "transaction_timestamp", 0, 1184, 'f', 's', true, { 0, 0, 0 } },
        { 2648, "statement_timestamp", 0, 1184, 'f', 's', true, { 0, 0, 0 } },
        { 2649, "clock_timestamp", 0, 1184, 'f', 'v', true, { 0, 0, 0 } },
        { 3058, "concat", 1, 25, 'f', 's', false, { 2276, 0, 0 } },
        { 3060, "left", 2, 25, 'f', 'i', true, { 25, 23, 0 } },
        { 3061, "right", 2, 25, 'f', 'i', true, { 25, 23, 0 } },
        { 3062, "reverse", 1, 25, 'f', 'i', true, { 25, 0, 0 } },
        { 3100, "row_number", 0, 20, 'w', 'i', false, { 0, 0, 0 } },
        { 3101, "rank", 0, 20, 'w', 'i', false, { 0, 0, 0 } },
        { 3102, "dense_rank", 0, 20, 'w', 'i', false, { 0, 0, 0 } },
        { 3103, "percent_rank", 0, 701, 'w', 'i', false, { 0, 0, 0 } },
        { 3104, "cume_dist", 0, 701, 'w', 'i', false, { 0, 0, 0 } },
        { 3105, "ntile", 1, 23, 'w', 'i', true, { 23, 0, 0 } },
        { 3106, "lag", 1, 2283, 'w', 'i', true, { 2283, 0, 0 } },
        { 3109, "lead", 1, 2283, 'w', 'i', true, { 2283, 0, 0 } },
        { 3112, "first_value", 1, 2283, 'w', 'i', true, { 2283, 0, 0 } },
        { 3113, "last_value", 1, 2283, 'w', 'i', true, { 2283, 0, 0 } },
        { 3432, "gen_random_uuid", 0, 2950, 'f', 'v', true, { 0, 0, 0 } },
        { 3538, "string_agg", 2, 25, 'a', 'i', false, { 25, 25, 0 } },
        { 3696, "starts_with", 2, 16, 'f', 'i', true, { 25, 25, 0 } },
        { 3846, "make_date", 3, 1082, 'f', 'i', true, { 23, 23, 23 } },
        { 6199, "extract", 2, 1700, 'f', 'i', true, { 25, 1082, 0 } },
};

Error *sysgen_pg_proc(SysGen *gen)
{
    for (size_t idx = 0; idx < sizeof PROCS / sizeof PROCS[0]; idx++) {
        const ProcRow *proc = &PROCS[idx];
        int64_t *args = arena_calloc(gen->env->arena, 4 * sizeof *args);
        if (args == NULL) return sys_oom();
        int16_t arg_count = proc->nargs < 3 ? proc->nargs : 3;
        for (int16_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
            args[arg_idx] = proc->args[arg_idx];
        }
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", proc->oid);
        sys_set_text(gen, "proname", proc->name);
        sys_set_int(gen, "pronamespace", CAT_OID_PG_CATALOG);
        sys_set_int(gen, "proowner", CAT_OID_BOOTSTRAP_ROLE);
        sys_set_int(gen, "prolang", 12);     /* internal */
        sys_set_float(gen, "procost", 1);
        sys_set_float(gen, "prorows", 0);
        sys_set_int(gen, "provariadic", 0);
        sys_set_text(gen, "prosupport", "-");
        sys_set_char(gen, "prokind", proc->kind);
        sys_set_bool(gen, "prosecdef", false);
        sys_set_bool(gen, "proleakproof", false);
        sys_set_bool(gen, "proisstrict", proc->strict);
        sys_set_bool(gen, "proretset", false);
        sys_set_char(gen, "provolatile", proc->volatility);
        sys_set_char(gen, "proparallel", 's');
        sys_set_int(gen, "pronargs", proc->nargs);
        sys_set_int(gen, "pronargdefaults", 0);
        sys_set_int(gen, "prorettype", proc->result);
        sys_set_ints(gen, "proargtypes", args, (uint32_t)arg_count);
        sys_set_text(gen, "prosrc", proc->name);
    }
    return NULL;
}

/* ---------------------------------------------------------------- pg_settings ---- */

/* base_value: pg_settings.setting of a value SHOW prints with a unit ("4MB" -> "4096" in kB,
 * "5s" -> "5000" in ms). */
static const char *base_value(SysGen *gen, const char *value, const char *unit)
{
    if (unit == NULL || unit[0] == '\0' || value == NULL) return value;
    char *end = NULL;
    double number = strtod(value, &end);
    if (end == value) return value;
    while (*end == ' ') end++;
    static const struct { const char *suffix; double kb; double ms; } UNITS[] = {
        { "kB", 1, 0 },
        { "MB", 1024, 0 },
        { "GB", 1024 * 1024, 0 },
        { "TB", 1024.0 * 1024 * 1024, 0 },
        { "us", 0, 0.001 }, { "ms", 0, 1 }, { "s", 0, 1000 }, { "min", 0, 60000 },
        { "h", 0, 3600000 }, { "d", 0, 86400000 },
    };
    double factor = 1;
    if (*end != '\0') {
        bool found = false;
        for (size_t idx = 0; idx < sizeof UNITS / sizeof UNITS[0]; idx++) {
            if (strcmp(end, UNITS[idx].suffix) == 0) {
                factor = strcmp(unit, "kB") == 0 ? UNITS[idx].kb : UNITS[idx].ms;
                found = factor != 0;
            }
        }
        if (!found) return value;
    }
    return sys_printf(gen, "%.0f", number * factor);
}

Error *sysgen_pg_settings(SysGen *gen)
{
    const SysEnv *env = gen->env;
    for (size_t idx = 0; idx < env->setting_count; idx++) {
        const SysSetting *setting = &env->settings[idx];
        const SysSettingRow *meta = sys_setting_row(setting->name);
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "name", setting->name);
        const char *unit = meta != NULL && meta->unit[0] != '\0' ? meta->unit : NULL;
        const char *value = base_value(gen, setting->value, unit);
        sys_set_text(gen, "setting", value);
        sys_set_text(gen, "unit", unit);
        sys_set_text(gen, "category", meta != NULL ? meta->category : "Ungrouped");
        sys_set_text(gen, "short_desc", meta != NULL ? meta->short_desc : "");
        sys_set_text(gen, "context", meta != NULL ? meta->context : "user");
        sys_set_text(gen, "vartype", meta != NULL ? meta->vartype : "string");
        const char *boot = meta != NULL ? meta->boot_val : NULL;
        bool is_default = boot != NULL && value != NULL && strcmp(boot, value) == 0;
        sys_set_text(gen, "source", is_default ? "default" : "session");
        if (meta != NULL && meta->min_val[0] != '\0') sys_set_text(gen, "min_val", meta->min_val);
        if (meta != NULL && meta->max_val[0] != '\0') sys_set_text(gen, "max_val", meta->max_val);
        if (meta != NULL && meta->enumvals[0] != '\0') {
            /* split "a,b,c" */
            size_t count = 1;
            for (const char *pos = meta->enumvals; *pos != '\0'; pos++) count += *pos == ',';
            const char **values = arena_calloc(env->arena, (count + 1) * sizeof *values);
            char *copy = sys_strdup(gen, meta->enumvals);
            if (values == NULL || copy == NULL) return sys_oom();
            size_t value_idx = 0;
            values[value_idx++] = copy;
            for (char *pos = copy; *pos != '\0'; pos++) {
                if (*pos == ',') {
                    *pos = '\0';
                    values[value_idx++] = pos + 1;
                }
            }
            sys_set_texts(gen, "enumvals", values, (uint32_t)value_idx);
        }
        sys_set_text(gen, "boot_val", boot);
        sys_set_text(gen, "reset_val", value);
        sys_set_bool(gen, "pending_restart", false);
    }
    return NULL;
}

/* ------------------------------------------------------------ statistics views ---- */

Error *sysgen_pg_stat_user_tables(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    static const char *const COUNTERS[] = {
        "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd",
        "n_tup_del", "n_tup_hot_upd", "n_live_tup", "n_dead_tup", "n_mod_since_analyze",
        "n_ins_since_vacuum", "vacuum_count", "autovacuum_count", "analyze_count",
        "autoanalyze_count",
    };
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "relid", table->oid);
        sys_set_text(gen, "schemaname", table->namespace_name);
        sys_set_text(gen, "relname", table->name);
        for (size_t counter = 0; counter < sizeof COUNTERS / sizeof COUNTERS[0]; counter++) {
            sys_set_int(gen, COUNTERS[counter], 0);
        }
        const CatTableStats *stats = NULL;
        TRY(catalog_get_stats(gen->env->catalog, gen->env->txn, table->oid, gen->env->arena,
                              &stats));
        if (stats != NULL) sys_set_int(gen, "n_live_tup", (int64_t)stats->row_count);
    }
    return NULL;
}

Error *sysgen_pg_statio_user_tables(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "relid", table->oid);
        sys_set_text(gen, "schemaname", table->namespace_name);
        sys_set_text(gen, "relname", table->name);
        sys_set_int(gen, "heap_blks_read", 0);
        sys_set_int(gen, "heap_blks_hit", 0);
        if (table->index_count > 0) {
            sys_set_int(gen, "idx_blks_read", 0);
            sys_set_int(gen, "idx_blks_hit", 0);
        }
    }
    return NULL;
}

Error *sysgen_pg_stat_user_indexes(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    SysRel *rels = NULL;
    size_t rel_count = 0;
    TRY(sys_relations(gen, &cat, &rels, &rel_count));
    for (size_t idx = 0; idx < rel_count; idx++) {
        if (rels[idx].kind != 'i') continue;
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "relid", rels[idx].table->oid);
        sys_set_int(gen, "indexrelid", rels[idx].oid);
        sys_set_text(gen, "schemaname", rels[idx].table->namespace_name);
        sys_set_text(gen, "relname", rels[idx].table->name);
        sys_set_text(gen, "indexrelname", rels[idx].index->name);
        sys_set_int(gen, "idx_scan", 0);
        sys_set_int(gen, "idx_tup_read", 0);
        sys_set_int(gen, "idx_tup_fetch", 0);
    }
    return NULL;
}

Error *sysgen_pg_stat_activity(SysGen *gen)
{
    const SysEnv *env = gen->env;
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "datid", SYS_OID_DATABASE);
    sys_set_text(gen, "datname", env->database);
    sys_set_int(gen, "pid", env->backend_pid);
    sys_set_int(gen, "usesysid", CAT_OID_BOOTSTRAP_ROLE);
    sys_set_text(gen, "usename", env->user);
    sys_set_text(gen, "application_name", env->application_name != NULL ? env->application_name
                                                                        : "");
    sys_set_text(gen, "state", "active");
    sys_set_text(gen, "backend_type", "client backend");
    return NULL;
}

/* ----------------------------------------------------------- information_schema ---- */

static void catalog_name(SysGen *gen, const char *column)
{
    sys_set_text(gen, column, gen->env->database);
}

Error *sysgen_info_schemata(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    const char *owner = sys_role_name(gen, &cat, CAT_OID_BOOTSTRAP_ROLE);
    bool toast_done = false;
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *schema = cat.tables[idx];
        if (schema->kind != CAT_KIND_SCHEMA) continue;
        if (!toast_done && schema->oid > SYS_OID_PG_TOAST) {
            TRY(sys_row_begin(gen));
            catalog_name(gen, "catalog_name");
            sys_set_text(gen, "schema_name", "pg_toast");
            sys_set_text(gen, "schema_owner", owner);
            toast_done = true;
        }
        TRY(sys_row_begin(gen));
        catalog_name(gen, "catalog_name");
        sys_set_text(gen, "schema_name", schema->name);
        sys_set_text(gen, "schema_owner",
                     schema->oid == CAT_OID_PUBLIC ? "pg_database_owner" : owner);
    }
    return NULL;
}

static Error *info_table_row(SysGen *gen, const char *schema, const char *name, bool view,
                             bool insertable)
{
    TRY(sys_row_begin(gen));
    catalog_name(gen, "table_catalog");
    sys_set_text(gen, "table_schema", schema);
    sys_set_text(gen, "table_name", name);
    sys_set_text(gen, "table_type", view ? "VIEW" : "BASE TABLE");
    sys_set_text(gen, "is_insertable_into", yes_no(insertable));
    sys_set_text(gen, "is_typed", "NO");
    return NULL;
}

Error *sysgen_info_tables(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        TRY(info_table_row(gen, view->schema, view->name, view->relkind == 'v',
                           view->relkind != 'v'));
    }
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE && table->kind != CAT_KIND_VIEW) continue;
        bool insertable = true;
        if (table->kind == CAT_KIND_VIEW) {
            bool *columns = arena_calloc(gen->env->arena, table->column_count + 1u);
            if (columns == NULL) return sys_oom();
            insertable = sys_view_updatable(gen, table, columns);
        }
        TRY(info_table_row(gen, table->namespace_name, table->name,
                           table->kind == CAT_KIND_VIEW, insertable));
    }
    return NULL;
}

Error *sysgen_info_views(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *view = cat.tables[idx];
        if (view->kind != CAT_KIND_VIEW) continue;
        TRY(sys_row_begin(gen));
        catalog_name(gen, "table_catalog");
        sys_set_text(gen, "table_schema", view->namespace_name);
        sys_set_text(gen, "table_name", view->name);
        sys_set_text(gen, "view_definition", view->view_sql);
        bool *columns = arena_calloc(gen->env->arena, view->column_count + 1u);
        if (columns == NULL) return sys_oom();
        bool updatable = sys_view_updatable(gen, view, columns);
        sys_set_text(gen, "check_option", "NONE");
        sys_set_text(gen, "is_updatable", yes_no(updatable));
        sys_set_text(gen, "is_insertable_into", yes_no(updatable));
        sys_set_text(gen, "is_trigger_updatable", "NO");
        sys_set_text(gen, "is_trigger_deletable", "NO");
        sys_set_text(gen, "is_trigger_insertable_into", "NO");
    }
    return NULL;
}

/* column_type_info: the data_type / precision columns of information_schema.columns. */
static void column_type_info(SysGen *gen, Type type)
{
    uint32_t id = type.id;
    int32_t typmod = type.typmod;
    const SysTypeRow *row = sys_type_row(id);
    if (type_array_elem(id) != TYPE_INVALID) {
        sys_set_text(gen, "data_type", "ARRAY");
    } else {
        sys_set_text(gen, "data_type", type_name(id));
    }
    sys_set_text(gen, "udt_schema", "pg_catalog");
    sys_set_text(gen, "udt_name", row != NULL ? row->name : type_name(id));
    catalog_name(gen, "udt_catalog");
    switch (id) {
    case TYPE_VARCHAR:
    case TYPE_BPCHAR:
    case TYPE_TEXT:
        if (typmod >= 4) {
            sys_set_int(gen, "character_maximum_length", typmod - 4);
            sys_set_int(gen, "character_octet_length", (int64_t)(typmod - 4) * 4);
        } else {
            sys_set_int(gen, "character_octet_length", 1073741824);
        }
        break;
    case TYPE_INT2:
    case TYPE_INT4:
    case TYPE_INT8:
        sys_set_int(gen, "numeric_precision", id == TYPE_INT2 ? 16 : id == TYPE_INT4 ? 32 : 64);
        sys_set_int(gen, "numeric_precision_radix", 2);
        sys_set_int(gen, "numeric_scale", 0);
        break;
    case TYPE_FLOAT4:
    case TYPE_FLOAT8:
        sys_set_int(gen, "numeric_precision", id == TYPE_FLOAT4 ? 24 : 53);
        sys_set_int(gen, "numeric_precision_radix", 2);
        break;
    case TYPE_NUMERIC:
        sys_set_int(gen, "numeric_precision_radix", 10);
        if (typmod >= 0) {
            sys_set_int(gen, "numeric_precision", ((typmod - 4) >> 16) & 0xFFFF);
            sys_set_int(gen, "numeric_scale", (int16_t)((typmod - 4) & 0xFFFF));
        }
        break;
    case TYPE_DATE:
        sys_set_int(gen, "datetime_precision", 0);
        break;
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        sys_set_int(gen, "datetime_precision", typmod >= 0 ? typmod : 6);
        break;
    case TYPE_INTERVAL:
        sys_set_int(gen, "datetime_precision",
                    typmod >= 0 && (typmod & 0xFFFF) != 0xFFFF ? (typmod & 0xFFFF) : 6);
        break;
    default: break;
    }
}

static Error *identity_info(SysGen *gen, const SysCatalog *cat, const CatTable *table,
                            const CatColumn *column)
{
    sys_set_text(gen, "identity_generation", column->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
    const CatTable *sequence = sys_column_sequence(cat, table, column);
    if (sequence != NULL) {
        int64_t last = 0;
        bool called = false;
        CatSequenceDef def = { 0 };
        TRY(catalog_sequence_state(gen->env->catalog, sequence, &last, &called, &def));
        sys_set_text(gen, "identity_start", sys_printf(gen, "%lld", (long long)def.start));
        sys_set_text(gen, "identity_increment",
                     sys_printf(gen, "%lld", (long long)def.increment));
        sys_set_text(gen, "identity_maximum",
                     sys_printf(gen, "%lld", (long long)def.max_value));
        sys_set_text(gen, "identity_minimum",
                     sys_printf(gen, "%lld", (long long)def.min_value));
        sys_set_text(gen, "identity_cycle", yes_no(def.cycle));
    }
    return NULL;
}

static Error *info_column_row(SysGen *gen, const char *schema, const char *table_name,
                              const char *name, int16_t attnum, Type type, bool not_null)
{
    TRY(sys_row_begin(gen));
    catalog_name(gen, "table_catalog");
    sys_set_text(gen, "table_schema", schema);
    sys_set_text(gen, "table_name", table_name);
    sys_set_text(gen, "column_name", name);
    sys_set_int(gen, "ordinal_position", attnum);
    sys_set_text(gen, "is_nullable", yes_no(!not_null));
    column_type_info(gen, type);
    sys_set_text(gen, "dtd_identifier", sys_printf(gen, "%d", attnum));
    sys_set_text(gen, "is_self_referencing", "NO");
    sys_set_text(gen, "is_identity", "NO");
    sys_set_text(gen, "identity_cycle", "NO");
    sys_set_text(gen, "is_generated", "NEVER");
    sys_set_text(gen, "is_updatable", "YES");
    return NULL;
}

Error *sysgen_info_columns(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        for (uint16_t col_idx = 0; col_idx < view->column_count; col_idx++) {
            TRY(info_column_row(gen, view->schema, view->name, view->columns[col_idx].name,
                                (int16_t)(col_idx + 1), sysview_column_type(view, col_idx),
                                sysview_not_null(view, col_idx)));
            if (view->relkind == 'v') sys_set_text(gen, "is_updatable", "NO");
        }
    }
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE && table->kind != CAT_KIND_VIEW) continue;
        bool *updatable = arena_calloc(gen->env->arena, table->column_count + 1u);
        if (updatable == NULL) return sys_oom();
        if (table->kind == CAT_KIND_VIEW) (void)sys_view_updatable(gen, table, updatable);
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            if (column->dropped) continue;
            TRY(info_column_row(gen, table->namespace_name, table->name, column->name,
                                column->attnum, column->type, column->not_null));
            if (column->identity == 0) {
                sys_set_text(gen, "column_default", column->default_sql);
            } else {
                sys_set_text(gen, "is_identity", "YES");
                TRY(identity_info(gen, &cat, table, column));
            }
            if (table->kind == CAT_KIND_VIEW) {
                sys_set_text(gen, "is_updatable", yes_no(updatable[col_idx]));
            }
        }
    }
    return NULL;
}

static const char *constraint_type_name(char kind)
{
    switch (kind) {
    case CAT_CONSTR_PRIMARY: return "PRIMARY KEY";
    case CAT_CONSTR_UNIQUE: return "UNIQUE";
    case CAT_CONSTR_FOREIGN: return "FOREIGN KEY";
    default: return "CHECK";
    }
}

static void constraint_names(SysGen *gen, const CatTable *table, const char *name)
{
    catalog_name(gen, "constraint_catalog");
    sys_set_text(gen, "constraint_schema", table->namespace_name);
    sys_set_text(gen, "constraint_name", name);
}

static const char *not_null_name(SysGen *gen, const CatTable *table, const CatColumn *column)
{
    return sys_printf(gen, "%u_%u_%d_not_null", table->namespace_oid, table->oid,
                      column->attnum);
}

Error *sysgen_info_table_constraints(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *constraint = &table->constraints[con_idx];
            TRY(sys_row_begin(gen));
            constraint_names(gen, table, constraint->name);
            catalog_name(gen, "table_catalog");
            sys_set_text(gen, "table_schema", table->namespace_name);
            sys_set_text(gen, "table_name", table->name);
            sys_set_text(gen, "constraint_type", constraint_type_name(constraint->kind));
            sys_set_text(gen, "is_deferrable", "NO");
            sys_set_text(gen, "initially_deferred", "NO");
            sys_set_text(gen, "enforced", "YES");
            if (constraint->kind == CAT_CONSTR_UNIQUE) sys_set_text(gen, "nulls_distinct", "YES");
        }
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            if (column->dropped || !column->not_null) continue;
            TRY(sys_row_begin(gen));
            constraint_names(gen, table, not_null_name(gen, table, column));
            catalog_name(gen, "table_catalog");
            sys_set_text(gen, "table_schema", table->namespace_name);
            sys_set_text(gen, "table_name", table->name);
            sys_set_text(gen, "constraint_type", "CHECK");
            sys_set_text(gen, "is_deferrable", "NO");
            sys_set_text(gen, "initially_deferred", "NO");
            sys_set_text(gen, "enforced", "YES");
        }
    }
    return NULL;
}

Error *sysgen_info_check_constraints(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *constraint = &table->constraints[con_idx];
            if (constraint->kind != CAT_CONSTR_CHECK) continue;
            TRY(sys_row_begin(gen));
            constraint_names(gen, table, constraint->name);
            sys_set_text(gen, "check_clause", sys_printf(gen, "((%s))", constraint->check_sql));
        }
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            if (column->dropped || !column->not_null) continue;
            TRY(sys_row_begin(gen));
            constraint_names(gen, table, not_null_name(gen, table, column));
            sys_set_text(gen, "check_clause",
                         sys_printf(gen, "%s IS NOT NULL", sys_quote_ident(gen, column->name)));
        }
    }
    return NULL;
}

static const char *attname(const CatTable *table, int16_t attnum)
{
    return table != NULL && attnum >= 1 && attnum <= table->column_count
               ? table->columns[attnum - 1].name
               : NULL;
}

Error *sysgen_info_key_column_usage(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *constraint = &table->constraints[con_idx];
            if (constraint->kind == CAT_CONSTR_CHECK) continue;
            const CatConstraint *key = NULL;
            if (constraint->kind == CAT_CONSTR_FOREIGN) {
                key = sys_referenced_key(sys_catalog_table(&cat, constraint->ref_table_oid),
                                         constraint);
            }
            for (uint16_t col_idx = 0; col_idx < constraint->column_count; col_idx++) {
                TRY(sys_row_begin(gen));
                constraint_names(gen, table, constraint->name);
                catalog_name(gen, "table_catalog");
                sys_set_text(gen, "table_schema", table->namespace_name);
                sys_set_text(gen, "table_name", table->name);
                sys_set_text(gen, "column_name", attname(table, constraint->attnums[col_idx]));
                sys_set_int(gen, "ordinal_position", col_idx + 1);
                if (key != NULL && constraint->ref_attnums != NULL) {
                    for (uint16_t key_idx = 0; key_idx < key->column_count; key_idx++) {
                        if (key->attnums[key_idx] == constraint->ref_attnums[col_idx]) {
                            sys_set_int(gen, "position_in_unique_constraint", key_idx + 1);
                        }
                    }
                }
            }
        }
    }
    return NULL;
}

static const char *rule_name(char action)
{
    switch (action) {
    case CAT_FK_RESTRICT: return "RESTRICT";
    case CAT_FK_CASCADE: return "CASCADE";
    case CAT_FK_SET_NULL: return "SET NULL";
    case CAT_FK_SET_DEFAULT: return "SET DEFAULT";
    default: return "NO ACTION";
    }
}

Error *sysgen_info_referential_constraints(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *constraint = &table->constraints[con_idx];
            if (constraint->kind != CAT_CONSTR_FOREIGN) continue;
            const CatTable *ref = sys_catalog_table(&cat, constraint->ref_table_oid);
            const CatConstraint *key = sys_referenced_key(ref, constraint);
            TRY(sys_row_begin(gen));
            constraint_names(gen, table, constraint->name);
            if (key != NULL) {
                catalog_name(gen, "unique_constraint_catalog");
                sys_set_text(gen, "unique_constraint_schema", ref->namespace_name);
                sys_set_text(gen, "unique_constraint_name", key->name);
            }
            sys_set_text(gen, "match_option", "NONE");
            sys_set_text(gen, "update_rule", rule_name(constraint->on_update));
            sys_set_text(gen, "delete_rule", rule_name(constraint->on_delete));
        }
    }
    return NULL;
}

static Error *usage_row(SysGen *gen, const CatTable *table, const CatTable *owner,
                        const char *constraint_name, int16_t attnum)
{
    TRY(sys_row_begin(gen));
    catalog_name(gen, "table_catalog");
    sys_set_text(gen, "table_schema", table->namespace_name);
    sys_set_text(gen, "table_name", table->name);
    sys_set_text(gen, "column_name", attname(table, attnum));
    constraint_names(gen, owner, constraint_name);
    return NULL;
}

Error *sysgen_info_constraint_column_usage(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *constraint = &table->constraints[con_idx];
            if (constraint->kind == CAT_CONSTR_FOREIGN) {
                const CatTable *ref = sys_catalog_table(&cat, constraint->ref_table_oid);
                if (ref == NULL || constraint->ref_attnums == NULL) continue;
                for (uint16_t col_idx = 0; col_idx < constraint->column_count; col_idx++) {
                    TRY(usage_row(gen, ref, table, constraint->name,
                                  constraint->ref_attnums[col_idx]));
                }
            } else {
                for (uint16_t col_idx = 0; col_idx < constraint->column_count; col_idx++) {
                    TRY(usage_row(gen, table, table, constraint->name,
                                  constraint->attnums[col_idx]));
                }
            }
        }
    }
    return NULL;
}

Error *sysgen_info_sequences(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *sequence = cat.tables[idx];
        if (sequence->kind != CAT_KIND_SEQUENCE) continue;
        int64_t last = 0;
        bool called = false;
        CatSequenceDef def = { 0 };
        TRY(catalog_sequence_state(gen->env->catalog, sequence, &last, &called, &def));
        uint32_t type_id = def.type.id != 0 ? def.type.id : TYPE_INT8;
        TRY(sys_row_begin(gen));
        catalog_name(gen, "sequence_catalog");
        sys_set_text(gen, "sequence_schema", sequence->namespace_name);
        sys_set_text(gen, "sequence_name", sequence->name);
        sys_set_text(gen, "data_type", type_name(type_id));
        sys_set_int(gen, "numeric_precision",
                    type_id == TYPE_INT2 ? 16 : type_id == TYPE_INT4 ? 32 : 64);
        sys_set_int(gen, "numeric_precision_radix", 2);
        sys_set_int(gen, "numeric_scale", 0);
        sys_set_text(gen, "start_value", sys_printf(gen, "%lld", (long long)def.start));
        sys_set_text(gen, "minimum_value", sys_printf(gen, "%lld", (long long)def.min_value));
        sys_set_text(gen, "maximum_value", sys_printf(gen, "%lld", (long long)def.max_value));
        sys_set_text(gen, "increment", sys_printf(gen, "%lld", (long long)def.increment));
        sys_set_text(gen, "cycle_option", yes_no(def.cycle));
    }
    return NULL;
}
