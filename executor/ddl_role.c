/* executor/ddl_role.c: CREATE / ALTER / DROP ROLE and USER (executor/ddl_role.h).
 *
 * The statement's options (parser: AstRole.options, AstOption names in lower case: login,
 * nologin, superuser, ..., password, connection_limit, valid_until, inherit) are applied to a
 * CatRole copy (CREATE: PostgreSQL's defaults; ALTER: the role as it is), then written with
 * catalog_role_create / catalog_role_update in the statement's transaction, so role DDL is
 * transactional like every other DDL. The session's settings (password_encryption, the
 * current user) are read through the session hooks, since DdlCtx does not carry them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/datetime.h"
#include "common/pwhash.h"
#include "executor/ddl_role.h"

typedef enum RoleFlag {
    FLAG_SUPERUSER,
    FLAG_CREATE_DB,
    FLAG_CREATE_ROLE,
    FLAG_INHERIT,
    FLAG_LOGIN,
    FLAG_REPLICATION,
    FLAG_BYPASS_RLS,
    FLAG_COUNT,
} RoleFlag;

static const struct {
    const char *yes;
    const char *no;
} FLAG_WORDS[FLAG_COUNT] = {
    [FLAG_SUPERUSER] = {"superuser", "nosuperuser"},
    [FLAG_CREATE_DB] = {"createdb", "nocreatedb"},
    [FLAG_CREATE_ROLE] = {"createrole", "nocreaterole"},
    [FLAG_INHERIT] = {"inherit", "noinherit"},
    [FLAG_LOGIN] = {"login", "nologin"},
    [FLAG_REPLICATION] = {"replication", "noreplication"},
    [FLAG_BYPASS_RLS] = {"bypassrls", "nobypassrls"},
};

/* RoleOptions: what the statement said (seen: given once; a second mention is an error). */
typedef struct RoleOptions {
    bool        flag_seen[FLAG_COUNT];
    bool        flag_value[FLAG_COUNT];
    bool        password_seen;
    const char *password;            /* NULL: PASSWORD NULL */
    bool        conn_limit_seen;
    int32_t     conn_limit;
    bool        valid_until_seen;
    int64_t     valid_until;
} RoleOptions;

static void notify(DdlNoticeFn notice, void *notice_ctx, const char *format, const char *arg)
{
    if (notice == NULL) return;
    Error *err = err_new(SQLSTATE_SUCCESSFUL_COMPLETION, format, arg);
    notice(notice_ctx, err);
    err_free(err);
}

static Error *redundant(const AstOption *option)
{
    (void)option;
    return err_new(SQLSTATE_SYNTAX_ERROR, "conflicting or redundant options");
}

static Error *option_flag(const AstOption *option, RoleOptions *options, bool *matched_out)
{
    *matched_out = false;
    for (int flag = 0; flag < FLAG_COUNT; flag++) {
        bool yes = strcmp(option->name, FLAG_WORDS[flag].yes) == 0;
        bool no = strcmp(option->name, FLAG_WORDS[flag].no) == 0;
        if (!yes && !no) continue;
        *matched_out = true;
        if (options->flag_seen[flag]) return redundant(option);
        options->flag_seen[flag] = true;
        bool value = yes;
        /* INHERIT comes from the grammar with a TRUE constant */
        if (yes && option->value != NULL && option->value->kind == AST_EXPR_BOOL) {
            value = option->value->bool_value;
        }
        options->flag_value[flag] = value;
        return NULL;
    }
    return NULL;
}

static Error *option_conn_limit(const AstOption *option, RoleOptions *options)
{
    if (options->conn_limit_seen) return redundant(option);
    options->conn_limit_seen = true;
    const AstExpr *value = option->value;
    if (value == NULL || value->kind != AST_EXPR_INTEGER || !value->int_fits ||
        value->int_value < INT32_MIN || value->int_value > INT32_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid connection limit: %s",
                       value != NULL && value->text != NULL ? value->text : "");
    }
    if (value->int_value < -1) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid connection limit: %lld",
                       (long long)value->int_value);
    }
    options->conn_limit = (int32_t)value->int_value;
    return NULL;
}

static Error *option_valid_until(DdlCtx *ctx, const AstOption *option, RoleOptions *options)
{
    if (options->valid_until_seen) return redundant(option);
    options->valid_until_seen = true;
    const AstExpr *value = option->value;
    if (value == NULL || value->kind != AST_EXPR_STRING) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "VALID UNTIL requires a string");
    }
    DtTimestamp timestamp = 0;
    TRY(dt_timestamptz_in(value->text, ctx->dt, -1, &timestamp));
    options->valid_until = timestamp;
    return NULL;
}

static Error *option_password(const AstOption *option, RoleOptions *options)
{
    if (options->password_seen) return redundant(option);
    options->password_seen = true;
    const AstExpr *value = option->value;
    if (value == NULL || value->kind == AST_EXPR_NULL) {
        options->password = NULL;
        return NULL;
    }
    if (value->kind != AST_EXPR_STRING) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "PASSWORD requires a string");
    }
    options->password = value->text;
    return NULL;
}

static Error *read_options(DdlCtx *ctx, const AstList *list, RoleOptions *options)
{
    memset(options, 0, sizeof *options);
    int count = ast_list_count(list);
    for (int option_idx = 0; option_idx < count; option_idx++) {
        const AstOption *option = list->items[option_idx];
        bool matched = false;
        TRY(option_flag(option, options, &matched));
        if (matched) continue;
        if (strcmp(option->name, "password") == 0) {
            TRY(option_password(option, options));
        } else if (strcmp(option->name, "connection_limit") == 0) {
            TRY(option_conn_limit(option, options));
        } else if (strcmp(option->name, "valid_until") == 0) {
            TRY(option_valid_until(ctx, option, options));
        } else {
            return err_new(SQLSTATE_SYNTAX_ERROR, "unrecognized role option \"%s\"",
                           option->name);
        }
    }
    return NULL;
}

/* password_encryption: the session's setting ("scram-sha-256" when unknown). */
static bool use_md5(DdlCtx *ctx)
{
    if (ctx->hooks.special == NULL) return false;
    const char *args[2] = {"password_encryption", "true"};
    const char *value = NULL;
    Error *err = ctx->hooks.special(ctx->hooks.ctx, "current_setting", args, 2, ctx->arena,
                                    &value);
    if (err != NULL) {
        err_free(err);
        return false;
    }
    return value != NULL && strcasecmp(value, "md5") == 0;
}

/* make_verifier: the stored form of password for role name. An empty password clears it with
 * a NOTICE, as PostgreSQL does. */
static Error *make_verifier(DdlCtx *ctx, const char *name, const char *password,
                            DdlNoticeFn notice, void *notice_ctx, const char **verifier_out)
{
    *verifier_out = NULL;
    if (password == NULL) return NULL;
    if (password[0] == '\0') {
        notify(notice, notice_ctx, "empty string is not a valid password, clearing password%s",
               "");
        return NULL;
    }
    if (pwhash_is_verifier(password)) {
        *verifier_out = password;
        return NULL;
    }
    if (use_md5(ctx)) return pwhash_md5_verifier(ctx->arena, password, name, verifier_out);
    return pwhash_scram_verifier(ctx->arena, password, verifier_out);
}

static Error *check_reserved(const char *name)
{
    if (strncmp(name, "pg_", 3) == 0) {
        Error *err = err_new(SQLSTATE_RESERVED_NAME, "role name \"%s\" is reserved", name);
        return err_set_detail(err, "Role names starting with \"pg_\" are reserved.");
    }
    if (strcmp(name, "public") == 0 || strcmp(name, "none") == 0) {
        return err_new(SQLSTATE_RESERVED_NAME, "role name \"%s\" is reserved", name);
    }
    return NULL;
}

static void apply_flags(const RoleOptions *options, CatRole *role)
{
    bool *fields[FLAG_COUNT] = {
        [FLAG_SUPERUSER] = &role->superuser, [FLAG_CREATE_DB] = &role->create_db,
        [FLAG_CREATE_ROLE] = &role->create_role, [FLAG_INHERIT] = &role->inherit,
        [FLAG_LOGIN] = &role->can_login, [FLAG_REPLICATION] = &role->replication,
        [FLAG_BYPASS_RLS] = &role->bypass_rls,
    };
    for (int flag = 0; flag < FLAG_COUNT; flag++) {
        if (options->flag_seen[flag]) *fields[flag] = options->flag_value[flag];
    }
    if (options->conn_limit_seen) role->conn_limit = options->conn_limit;
    if (options->valid_until_seen) role->valid_until = options->valid_until;
}

static Error *create_role(DdlCtx *ctx, const AstRole *ast, DdlNoticeFn notice, void *notice_ctx)
{
    TRY(check_reserved(ast->name));
    RoleOptions options;
    TRY(read_options(ctx, ast->options, &options));
    CatRole role = {.name = ast->name, .inherit = true, .can_login = ast->is_user,
                    .conn_limit = -1, .valid_until = INT64_MAX};
    apply_flags(&options, &role);
    if (options.password_seen) {
        TRY(make_verifier(ctx, ast->name, options.password, notice, notice_ctx, &role.password));
    }
    uint32_t oid = 0;
    return catalog_role_create(ctx->catalog, ctx->txn, &role, &oid);
}

static Error *undefined_role(const char *name)
{
    return err_new(SQLSTATE_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
}

static Error *rename_role(DdlCtx *ctx, const CatRole *old, const char *new_name,
                          DdlNoticeFn notice, void *notice_ctx)
{
    const char *current = NULL;
    if (ctx->hooks.special != NULL) {
        TRY(ctx->hooks.special(ctx->hooks.ctx, "session_user", NULL, 0, ctx->arena, &current));
    }
    if (current != NULL && strcmp(current, old->name) == 0) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "session user cannot be renamed");
    }
    TRY(check_reserved(new_name));
    const CatRole *existing = NULL;
    TRY(catalog_role_lookup(ctx->catalog, ctx->txn, new_name, &existing));
    if (existing != NULL) {
        return err_new(SQLSTATE_DUPLICATE_OBJECT, "role \"%s\" already exists", new_name);
    }
    CatRole role = *old;
    role.name = new_name;
    /* an md5 verifier is salted with the role name: it no longer matches */
    if (role.password != NULL && strncmp(role.password, "md5", 3) == 0) {
        role.password = NULL;
        notify(notice, notice_ctx, "MD5 password cleared because of role rename%s", "");
    }
    return catalog_role_update(ctx->catalog, ctx->txn, &role);
}

static Error *alter_role(DdlCtx *ctx, const AstRole *ast, DdlNoticeFn notice, void *notice_ctx)
{
    if (ast->set != NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "ALTER ROLE ... SET is not supported");
    }
    const CatRole *old = NULL;
    TRY(catalog_role_lookup(ctx->catalog, ctx->txn, ast->name, &old));
    if (old == NULL) return undefined_role(ast->name);
    if (ast->new_name != NULL) return rename_role(ctx, old, ast->new_name, notice, notice_ctx);
    RoleOptions options;
    TRY(read_options(ctx, ast->options, &options));
    CatRole role = *old;
    apply_flags(&options, &role);
    if (options.password_seen) {
        TRY(make_verifier(ctx, role.name, options.password, notice, notice_ctx, &role.password));
    }
    return catalog_role_update(ctx->catalog, ctx->txn, &role);
}

Error *ddl_role_execute(DdlCtx *ctx, const AstStmt *stmt, DdlNoticeFn notice, void *notice_ctx,
                        const char **tag_out)
{
    switch (stmt->kind) {
    case AST_STMT_CREATE_ROLE:
        *tag_out = "CREATE ROLE";
        return create_role(ctx, stmt->u.role, notice, notice_ctx);
    case AST_STMT_ALTER_ROLE:
        *tag_out = "ALTER ROLE";
        return alter_role(ctx, stmt->u.role, notice, notice_ctx);
    default:
        break;
    }
    *tag_out = "";
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "statement is not a role statement");
}

Error *ddl_role_drop(DdlCtx *ctx, const AstDrop *drop, DdlNoticeFn notice, void *notice_ctx)
{
    int count = ast_list_count(drop->names);
    const CatRole **roles = arena_calloc(ctx->arena, sizeof *roles * (size_t)(count + 1));
    if (roles == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    const char *current = NULL;
    const char *session = NULL;
    if (ctx->hooks.special != NULL) {
        TRY(ctx->hooks.special(ctx->hooks.ctx, "current_user", NULL, 0, ctx->arena, &current));
        TRY(ctx->hooks.special(ctx->hooks.ctx, "session_user", NULL, 0, ctx->arena, &session));
    }
    for (int name_idx = 0; name_idx < count; name_idx++) {
        const AstList *names = drop->names->items[name_idx];
        const char *name = names->items[ast_list_count(names) - 1];
        TRY(catalog_role_lookup(ctx->catalog, ctx->txn, name, &roles[name_idx]));
        if (roles[name_idx] == NULL) {
            if (!drop->if_exists) return undefined_role(name);
            notify(notice, notice_ctx, "role \"%s\" does not exist, skipping", name);
            continue;
        }
        if (current != NULL && strcmp(current, roles[name_idx]->name) == 0) {
            return err_new(SQLSTATE_OBJECT_IN_USE, "current user cannot be dropped");
        }
        if (session != NULL && strcmp(session, roles[name_idx]->name) == 0) {
            return err_new(SQLSTATE_OBJECT_IN_USE, "session user cannot be dropped");
        }
    }
    for (int name_idx = 0; name_idx < count; name_idx++) {
        if (roles[name_idx] == NULL) continue;
        /* the same role named twice: the second drop finds it gone */
        bool seen = false;
        for (int before = 0; before < name_idx; before++) {
            if (roles[before] != NULL && roles[before]->oid == roles[name_idx]->oid) seen = true;
        }
        if (seen) continue;
        TRY(catalog_role_drop(ctx->catalog, ctx->txn, roles[name_idx]->oid));
    }
    return NULL;
}

/* ---- sessions ---- */

static Error *find_in(Catalog *catalog, Txn *txn, const char *name, const CatRole **role_out)
{
    if (name == NULL) return catalog_role_get(catalog, txn, CAT_OID_BOOTSTRAP_ROLE, role_out);
    return catalog_role_lookup(catalog, txn, name, role_out);
}

Error *ddl_role_find(Catalog *catalog, TxnManager *manager, Txn *txn, const char *name,
                     const CatRole **role_out)
{
    *role_out = NULL;
    if (txn != NULL) return find_in(catalog, txn, name, role_out);
    Txn *own = NULL;
    TRY(txn_begin(manager, TXN_READ_COMMITTED, &own));
    Error *err = find_in(catalog, own, name, role_out);
    uint64_t xid = txn_xid(own);
    Error *end_err = txn_rollback(own);
    catalog_txn_end(catalog, xid, false);
    if (err == NULL) return end_err;
    if (end_err != NULL) err_free(end_err);
    return err;
}

Error *ddl_role_login(Catalog *catalog, TxnManager *manager, const char *name,
                      const char **name_out)
{
    const CatRole *role = NULL;
    TRY(ddl_role_find(catalog, manager, NULL, name, &role));
    if (role == NULL) {
        return err_new(SQLSTATE_INVALID_AUTHORIZATION_SPECIFICATION, "role \"%s\" does not exist",
                       name != NULL ? name : "");
    }
    /* a named role must be allowed to log in; the owner (no name) always opens its database */
    if (name != NULL && !role->can_login) {
        return err_new(SQLSTATE_INVALID_AUTHORIZATION_SPECIFICATION,
                       "role \"%s\" is not permitted to log in", role->name);
    }
    *name_out = role->name;
    return NULL;
}

Error *ddl_role_verifier(Catalog *catalog, TxnManager *manager, Txn *txn, const char *name,
                         const char **verifier_out)
{
    *verifier_out = NULL;
    const CatRole *role = NULL;
    if (name != NULL && name[0] != '\0') TRY(ddl_role_find(catalog, manager, txn, name, &role));
    if (role == NULL) {
        return err_new(SQLSTATE_INVALID_AUTHORIZATION_SPECIFICATION, "role \"%s\" does not exist",
                       name != NULL ? name : "");
    }
    if (!role->can_login) {
        return err_new(SQLSTATE_INVALID_AUTHORIZATION_SPECIFICATION,
                       "role \"%s\" is not permitted to log in", role->name);
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_usecs = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 -
                        DT_UNIX_EPOCH_OFFSET_USECS;
    if (role->valid_until == INT64_MAX || role->valid_until > now_usecs) {
        *verifier_out = role->password;
    }
    return NULL;
}
