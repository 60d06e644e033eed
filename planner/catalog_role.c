/* planner/catalog_role.c: roles (pg_authid) in the catalog (planner/catalog.h, roles block).
 *
 * Storage: the system tree birch_authid, named by the birch_rel row of OID CAT_SYS_OID_ROLES
 * (below CAT_SYS_OID_LIMIT, so catalog_get/catalog_list skip it, like OIDs 1..3). Its rows are
 * key key_append_int64(role OID) -> a row record of one VAR column (the catalog's stats layout)
 * holding the role encoded by role_encode (format byte first). Role names are rows of
 * birch_relname in the pseudo-namespace CAT_ROLE_NAMESPACE (never a schema OID), so name
 * uniqueness and its MVCC come from the same tree as relation names. Every row is an MVCC row
 * written in the caller's transaction: CREATE/ALTER/DROP ROLE commit and roll back with it.
 *
 * The tree is created lazily, by the first statement that writes a role, together with the
 * row of the bootstrap role (OID 10). Until then (a new database, or a file written before
 * roles existed) the only role is the bootstrap role, synthesized from the operating-system
 * user (getpwuid(geteuid()), "birch" if unknown); creating the tree stores that name for good.
 * A rolled-back first CREATE ROLE drops the tree again (catalog_txn_end: no row names it).
 *
 * Caching: CatRole objects are immutable, keyed by (OID, writer xid, version) like CatTables,
 * and live until catalog_close. They are kept in a RoleCache that hangs off the catalog's own
 * CatTable cache as one sentinel entry (OID 0, which no relation has, so no table lookup ever
 * meets it): catalog_close frees its arena with the other entries, and this file needs no
 * field of its own in struct Catalog.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "planner/catalog_int.h"
#include "storage/key.h"

enum {
    CAT_SYS_OID_ROLES = 4,            /* birch_rel row naming the birch_authid tree */
    CAT_ROLE_NAMESPACE = 4,           /* birch_relname pseudo-namespace of role names */
    ROLE_FORMAT = 1,
    ROLE_BUCKET_COUNT = 64,
    ROLE_FLAG_SUPERUSER = 1 << 0,
    ROLE_FLAG_INHERIT = 1 << 1,
    ROLE_FLAG_CREATE_ROLE = 1 << 2,
    ROLE_FLAG_CREATE_DB = 1 << 3,
    ROLE_FLAG_LOGIN = 1 << 4,
    ROLE_FLAG_REPLICATION = 1 << 5,
    ROLE_FLAG_BYPASS_RLS = 1 << 6,
    ROLE_PASSWORD_SIZE_MAX = 1024,
    ROLE_MODIFY_RETRY_MAX = 16,
};
#define ROLE_CACHE_SENTINEL_XID UINT64_MAX
#define ROLE_CACHE_SENTINEL_VERSION ((uint64_t)0x726f6c6573ULL)   /* "roles" */

typedef struct RoleEntry {
    uint32_t oid;
    uint64_t xid;
    uint64_t version;
    CatRole  role;
    struct RoleEntry *next;
} RoleEntry;

typedef struct RoleCache {
    Arena     *arena;                 /* the sentinel entry's arena: freed by catalog_close */
    CatRole    bootstrap;             /* the synthesized role while no tree exists */
    RoleEntry *buckets[ROLE_BUCKET_COUNT];
} RoleCache;

/* ------------------------------------------------------------ cache ---- */

static const char *os_user_name(void)
{
    struct passwd *entry = getpwuid(geteuid());
    if (entry == NULL || entry->pw_name == NULL || entry->pw_name[0] == '\0') return "birch";
    return entry->pw_name;
}

/* role_cache: the catalog's RoleCache, created on first use. Pre: catalog->mutex held. */
static RoleCache *role_cache_locked(Catalog *catalog)
{
    for (CatCacheEntry *entry = catalog->cache[0]; entry != NULL; entry = entry->next) {
        if (entry->oid == 0 && entry->xid == ROLE_CACHE_SENTINEL_XID &&
            entry->version == ROLE_CACHE_SENTINEL_VERSION) {
            return (RoleCache *)(void *)entry->table;
        }
    }
    Arena *arena = arena_create(4096);
    CatCacheEntry *entry = calloc(1, sizeof *entry);
    RoleCache *cache = arena != NULL ? arena_calloc(arena, sizeof *cache) : NULL;
    const char *name = cache != NULL ? arena_strdup(arena, os_user_name()) : NULL;
    if (entry == NULL || name == NULL) {
        arena_destroy(arena);
        free(entry);
        return NULL;
    }
    cache->arena = arena;
    cache->bootstrap = (CatRole){
        .oid = CAT_OID_BOOTSTRAP_ROLE, .name = cat_name_truncate(arena, name), .superuser = true,
        .inherit = true, .create_role = true, .create_db = true, .can_login = true,
        .replication = true, .bypass_rls = true, .conn_limit = -1, .password = NULL,
        .valid_until = INT64_MAX, .version = 0};
    if (cache->bootstrap.name == NULL) {
        arena_destroy(arena);
        free(entry);
        return NULL;
    }
    *entry = (CatCacheEntry){.oid = 0, .xid = ROLE_CACHE_SENTINEL_XID,
                             .version = ROLE_CACHE_SENTINEL_VERSION,
                             .table = (CatTable *)(void *)cache, .arena = arena,
                             .next = catalog->cache[0]};
    catalog->cache[0] = entry;
    return cache;
}

static Error *bootstrap_role(Catalog *catalog, const CatRole **role_out)
{
    pthread_mutex_lock(&catalog->mutex);
    RoleCache *cache = role_cache_locked(catalog);
    pthread_mutex_unlock(&catalog->mutex);
    if (cache == NULL) return cat_oom();
    *role_out = &cache->bootstrap;
    return NULL;
}

/* ------------------------------------------------------------ encoding ---- */

static size_t role_encoded_size(const CatRole *role)
{
    size_t password_size = role->password != NULL ? strlen(role->password) : 0;
    return 1 + 8 + 1 + 4 + 8 + 2 + strlen(role->name) + 1 + 2 + password_size;
}

/* role_encode: format u8, version u64, flags u8, conn_limit i32, valid_until i64, name (u16
 * size + bytes), password (u8 present, u16 size + bytes), little-endian. */
static void role_encode(const CatRole *role, uint8_t *out)
{
    size_t name_size = strlen(role->name);
    size_t password_size = role->password != NULL ? strlen(role->password) : 0;
    uint8_t flags = (uint8_t)((role->superuser ? ROLE_FLAG_SUPERUSER : 0) |
                              (role->inherit ? ROLE_FLAG_INHERIT : 0) |
                              (role->create_role ? ROLE_FLAG_CREATE_ROLE : 0) |
                              (role->create_db ? ROLE_FLAG_CREATE_DB : 0) |
                              (role->can_login ? ROLE_FLAG_LOGIN : 0) |
                              (role->replication ? ROLE_FLAG_REPLICATION : 0) |
                              (role->bypass_rls ? ROLE_FLAG_BYPASS_RLS : 0));
    size_t at = 0;
    out[at++] = ROLE_FORMAT;
    enc_u64le(out + at, role->version);
    at += 8;
    out[at++] = flags;
    enc_u32le(out + at, (uint32_t)role->conn_limit);
    at += 4;
    enc_u64le(out + at, (uint64_t)role->valid_until);
    at += 8;
    enc_u16le(out + at, (uint16_t)name_size);
    at += 2;
    memcpy(out + at, role->name, name_size);
    at += name_size;
    out[at++] = role->password != NULL ? 1 : 0;
    enc_u16le(out + at, (uint16_t)password_size);
    at += 2;
    if (password_size > 0) memcpy(out + at, role->password, password_size);
}

static Error *corrupted(uint32_t oid)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "catalog record of role %u is corrupted", oid);
}

/* role_decode: bytes into *role (strings in arena). DATA_CORRUPTED on any inconsistency. */
static Error *role_decode(const uint8_t *bytes, size_t size, uint32_t oid, Arena *arena,
                          CatRole *role)
{
    if (size < 1 + 8 + 1 + 4 + 8 + 2 || bytes[0] != ROLE_FORMAT) return corrupted(oid);
    size_t at = 1;
    uint64_t version = dec_u64le(bytes + at);
    at += 8;
    uint8_t flags = bytes[at++];
    int32_t conn_limit = (int32_t)dec_u32le(bytes + at);
    at += 4;
    int64_t valid_until = (int64_t)dec_u64le(bytes + at);
    at += 8;
    size_t name_size = dec_u16le(bytes + at);
    at += 2;
    if (name_size == 0 || name_size > CAT_NAME_SIZE_MAX || size - at < name_size + 3) {
        return corrupted(oid);
    }
    char *name = arena_strndup(arena, (const char *)bytes + at, name_size);
    at += name_size;
    bool has_password = bytes[at++] != 0;
    size_t password_size = dec_u16le(bytes + at);
    at += 2;
    if (size - at != password_size || (!has_password && password_size != 0)) {
        return corrupted(oid);
    }
    char *password = has_password ? arena_strndup(arena, (const char *)bytes + at, password_size)
                                  : NULL;
    if (name == NULL || (has_password && password == NULL)) return cat_oom();
    if (strlen(name) != name_size || (password != NULL && strlen(password) != password_size)) {
        return corrupted(oid);
    }
    *role = (CatRole){
        .oid = oid, .name = name, .superuser = flags & ROLE_FLAG_SUPERUSER,
        .inherit = flags & ROLE_FLAG_INHERIT, .create_role = flags & ROLE_FLAG_CREATE_ROLE,
        .create_db = flags & ROLE_FLAG_CREATE_DB, .can_login = flags & ROLE_FLAG_LOGIN,
        .replication = flags & ROLE_FLAG_REPLICATION, .bypass_rls = flags & ROLE_FLAG_BYPASS_RLS,
        .conn_limit = conn_limit, .password = password, .valid_until = valid_until,
        .version = version};
    return NULL;
}

/* role_record: the row record of role (malloc'd). */
static Error *role_record(Catalog *catalog, const CatRole *role, uint8_t **record_out,
                          size_t *size_out)
{
    size_t def_size = role_encoded_size(role);
    uint8_t *def = malloc(def_size);
    if (def == NULL) return cat_oom();
    role_encode(role, def);
    RowValue values[1] = {{.bytes = def, .size = def_size}};
    size_t size = 0;
    Error *err = row_size(catalog->stats_layout, values, &size);
    uint8_t *record = err == NULL ? malloc(size) : NULL;
    if (err == NULL && record == NULL) err = cat_oom();
    if (err == NULL) {
        RowHeader header = {0};
        row_encode(catalog->stats_layout, &header, values, record, size);
        *record_out = record;
        *size_out = size;
    }
    free(def);
    return err;
}

/* role_from_record: the cached CatRole of a record of role oid (built on a miss). */
static Error *role_from_record(Catalog *catalog, uint32_t oid, const uint8_t *record,
                               size_t size, const CatRole **role_out)
{
    RowHeader header;
    TRY(row_header_read(record, size, &header));
    RowValue value;
    TRY(row_column(catalog->stats_layout, record, size, 0, &value));
    if (value.is_null || value.size < 9) return corrupted(oid);
    uint64_t version = dec_u64le(value.bytes + 1);
    size_t bucket = (oid ^ (version * 31)) % ROLE_BUCKET_COUNT;
    Error *err = NULL;
    pthread_mutex_lock(&catalog->mutex);
    RoleCache *cache = role_cache_locked(catalog);
    RoleEntry *entry = cache != NULL ? cache->buckets[bucket] : NULL;
    while (entry != NULL &&
           !(entry->oid == oid && entry->xid == header.xid && entry->version == version)) {
        entry = entry->next;
    }
    if (cache == NULL) {
        err = cat_oom();
    } else if (entry == NULL) {
        /* decode under the mutex: the cache's arena is not thread-safe; roles are small */
        entry = arena_calloc(cache->arena, sizeof *entry);
        if (entry == NULL) err = cat_oom();
        if (err == NULL) err = role_decode(value.bytes, value.size, oid, cache->arena, &entry->role);
        if (err == NULL) {
            entry->oid = oid;
            entry->xid = header.xid;
            entry->version = version;
            entry->next = cache->buckets[bucket];
            cache->buckets[bucket] = entry;
        }
    }
    pthread_mutex_unlock(&catalog->mutex);
    if (err == NULL) *role_out = &entry->role;
    return err;
}

/* ------------------------------------------------------------ the tree ---- */

/* roles_tree: the birch_authid tree visible to txn; *tree_out NULL if none. */
static Error *roles_tree(Catalog *catalog, Txn *txn, BTree **tree_out)
{
    *tree_out = NULL;
    Arena *arena = arena_create(1024);
    if (arena == NULL) return cat_oom();
    CatRelDef def;
    bool found = false;
    Error *err = cat_rel_read(catalog, txn, CAT_SYS_OID_ROLES, arena, &def, NULL, &found);
    if (err == NULL && found) err = cat_tree_handle(catalog, def.root, true, tree_out);
    arena_destroy(arena);
    return err;
}

static Error *role_row_insert(Catalog *catalog, Txn *txn, BTree *tree, const CatRole *role)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(role->oid, key);
    uint8_t *record = NULL;
    size_t size = 0;
    TRY(role_record(catalog, role, &record, &size));
    Error *err = txn_row_insert(txn, tree, key, sizeof key, record, size);
    free(record);
    return err;
}

/* create_roles_tree: the tree, its birch_rel row and the bootstrap role's rows, in txn. */
static Error *create_roles_tree(Catalog *catalog, Txn *txn, BTree **tree_out)
{
    const CatRole *bootstrap = NULL;
    TRY(bootstrap_role(catalog, &bootstrap));
    PageId root = PAGE_ID_NONE;
    TRY(cat_tree_create(catalog, txn, CAT_SYS_OID_ROLES, &root));
    CatRelDef def = {.oid = CAT_SYS_OID_ROLES, .namespace_oid = CAT_OID_PG_CATALOG,
                     .kind = CAT_KIND_TABLE, .name = "birch_authid", .root = root, .version = 1};
    Error *err = cat_rel_insert(catalog, txn, &def);
    if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
        err_free(err);
        return err_new(SQLSTATE_SERIALIZATION_FAILURE,
                       "could not serialize access due to concurrent role creation");
    }
    TRY(err);
    TRY(cat_tree_handle(catalog, root, true, tree_out));
    CatRole role = *bootstrap;
    role.version = cat_version_next(catalog, 0);
    TRY(role_row_insert(catalog, txn, *tree_out, &role));
    return cat_name_insert(catalog, txn, CAT_ROLE_NAMESPACE, role.name, role.oid);
}

static Error *roles_tree_for_write(Catalog *catalog, Txn *txn, BTree **tree_out)
{
    TRY(roles_tree(catalog, txn, tree_out));
    if (*tree_out != NULL) return NULL;
    return create_roles_tree(catalog, txn, tree_out);
}

/* ------------------------------------------------------------ lookups ---- */

/* role_read: oid's visible row in tree: the cached role (NULL if none) and its writer xid. */
static Error *role_read(Catalog *catalog, Txn *txn, BTree *tree, uint32_t oid,
                        const CatRole **role_out, uint64_t *xid_out)
{
    *role_out = NULL;
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    BtBuf record = {0};
    bool found = false;
    Error *err = txn_row_get(txn, tree, key, sizeof key, &record, &found);
    if (err == NULL && found) {
        err = role_from_record(catalog, oid, record.data, record.size, role_out);
        RowHeader header;
        if (err == NULL && xid_out != NULL) {
            err = row_header_read(record.data, record.size, &header);
            if (err == NULL) *xid_out = header.xid;
        }
    }
    bt_buf_free(&record);
    return err;
}

Error *catalog_role_get(Catalog *catalog, Txn *txn, uint32_t oid, const CatRole **role_out)
{
    *role_out = NULL;
    BTree *tree = NULL;
    TRY(roles_tree(catalog, txn, &tree));
    if (tree == NULL) {
        if (oid == CAT_OID_BOOTSTRAP_ROLE) return bootstrap_role(catalog, role_out);
        return NULL;
    }
    return role_read(catalog, txn, tree, oid, role_out, NULL);
}

Error *catalog_role_lookup(Catalog *catalog, Txn *txn, const char *name, const CatRole **role_out)
{
    *role_out = NULL;
    if (name == NULL || name[0] == '\0') return NULL;
    BTree *tree = NULL;
    TRY(roles_tree(catalog, txn, &tree));
    if (tree == NULL) {
        const CatRole *bootstrap = NULL;
        TRY(bootstrap_role(catalog, &bootstrap));
        Arena *arena = arena_create(256);
        if (arena == NULL) return cat_oom();
        const char *truncated = cat_name_truncate(arena, name);
        if (truncated != NULL && strcmp(truncated, bootstrap->name) == 0) *role_out = bootstrap;
        arena_destroy(arena);
        return NULL;
    }
    uint32_t oid = 0;
    TRY(cat_name_get(catalog, txn, CAT_ROLE_NAMESPACE, name, &oid));
    if (oid == 0) return NULL;
    return role_read(catalog, txn, tree, oid, role_out, NULL);
}

static Error *list_rows(Catalog *catalog, TxnCursor *cursor, const CatRole ***all, size_t *count,
                        size_t *capacity)
{
    for (;;) {
        bool found = false;
        TRY(txn_cursor_next(cursor, &found));
        if (!found) return NULL;
        size_t key_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        KeyReader reader;
        key_reader_init(&reader, key, key_size);
        bool is_null = false;
        int64_t oid = 0;
        TRY(key_read_int64(&reader, KEY_ASC, &is_null, &oid));
        if (is_null || oid <= 0 || oid > UINT32_MAX) {
            return err_new(SQLSTATE_DATA_CORRUPTED, "catalog role key is corrupted");
        }
        size_t record_size = 0;
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        const CatRole *role = NULL;
        TRY(role_from_record(catalog, (uint32_t)oid, record, record_size, &role));
        if (*count == *capacity) {
            size_t grown = *capacity * 2 + 16;
            const CatRole **roles = realloc(*all, grown * sizeof *roles);
            if (roles == NULL) return cat_oom();
            *all = roles;
            *capacity = grown;
        }
        (*all)[(*count)++] = role;
    }
}

Error *catalog_role_list(Catalog *catalog, Txn *txn, Arena *arena, const CatRole ***roles_out,
                         size_t *count_out)
{
    *roles_out = NULL;
    *count_out = 0;
    BTree *tree = NULL;
    TRY(roles_tree(catalog, txn, &tree));
    const CatRole **all = NULL;
    size_t count = 0;
    size_t capacity = 0;
    Error *err = NULL;
    if (tree == NULL) {
        const CatRole *bootstrap = NULL;
        err = bootstrap_role(catalog, &bootstrap);
        all = err == NULL ? malloc(sizeof *all) : NULL;
        if (err == NULL && all == NULL) err = cat_oom();
        if (err == NULL) all[count++] = bootstrap;
    } else {
        TxnCursor *cursor = NULL;
        err = txn_cursor_open(txn, tree, NULL, 0, NULL, 0, &cursor);
        if (err == NULL) {
            err = list_rows(catalog, cursor, &all, &count, &capacity);
            txn_cursor_close(cursor);
        }
    }
    const CatRole **roles = NULL;
    if (err == NULL) {
        roles = arena_alloc(arena, sizeof *roles * (count + 1));
        if (roles == NULL) err = cat_oom();
    }
    if (err == NULL) {
        if (count > 0) memcpy(roles, all, sizeof *roles * count);
        *roles_out = roles;
        *count_out = count;
    }
    free(all);
    return err;
}

/* ------------------------------------------------------------ DDL ---- */

static Error *check_definition(const CatRole *def)
{
    if (def->name == NULL || def->name[0] == '\0') {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "role name must not be empty");
    }
    if (def->password != NULL && strlen(def->password) > ROLE_PASSWORD_SIZE_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "password is too long");
    }
    return NULL;
}

static Error *name_insert(Catalog *catalog, Txn *txn, const char *name, uint32_t oid)
{
    Error *err = cat_name_insert(catalog, txn, CAT_ROLE_NAMESPACE, name, oid);
    if (err != NULL && err->state == SQLSTATE_DUPLICATE_TABLE) {
        err_free(err);
        return err_new(SQLSTATE_DUPLICATE_OBJECT, "role \"%s\" already exists", name);
    }
    return err;
}

static Error *role_create_body(Catalog *catalog, Txn *txn, Arena *arena, const CatRole *def,
                               uint32_t *oid_out)
{
    TRY(check_definition(def));
    BTree *tree = NULL;
    TRY(roles_tree_for_write(catalog, txn, &tree));
    CatRole role = *def;
    role.name = cat_name_truncate(arena, def->name);
    if (role.name == NULL) return cat_oom();
    uint32_t existing = 0;
    TRY(cat_name_get(catalog, txn, CAT_ROLE_NAMESPACE, role.name, &existing));
    if (existing != 0) {
        return err_new(SQLSTATE_DUPLICATE_OBJECT, "role \"%s\" already exists", role.name);
    }
    TRY(cat_oid_alloc(catalog, &role.oid));
    role.version = cat_version_next(catalog, 0);
    TRY(name_insert(catalog, txn, role.name, role.oid));
    TRY(role_row_insert(catalog, txn, tree, &role));
    TRY(cat_pending_changed(catalog, txn));
    if (oid_out != NULL) *oid_out = role.oid;
    return NULL;
}

Error *catalog_role_create(Catalog *catalog, Txn *txn, const CatRole *def, uint32_t *oid_out)
{
    Arena *arena = arena_create(256);
    if (arena == NULL) return cat_oom();
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    Error *err = role_create_body(catalog, txn, arena, def, oid_out);
    arena_destroy(arena);
    return cat_ddl_end(txn, &savepoint, err);
}

/* role_write: replace oid's row (seen at writer xid) by role; at READ COMMITTED a concurrent
 * committed change is simply overwritten (ALTER ROLE replaces every attribute). */
static Error *role_write(Catalog *catalog, Txn *txn, BTree *tree, CatRole *role, uint64_t xid)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(role->oid, key);
    for (int attempt = 0; attempt < ROLE_MODIFY_RETRY_MAX; attempt++) {
        uint8_t *record = NULL;
        size_t size = 0;
        TRY(role_record(catalog, role, &record, &size));
        TxnRowResult result = {0};
        Error *err = txn_row_update(txn, tree, key, sizeof key, xid, record, size, &result);
        free(record);
        TRY(err);
        TxnRowOutcome outcome = result.outcome;
        uint64_t newest_xid = result.xid;
        txn_row_result_free(&result);
        if (outcome == TXN_ROW_DONE) return NULL;
        if (outcome == TXN_ROW_GONE) {
            return err_new(SQLSTATE_UNDEFINED_OBJECT, "role \"%s\" does not exist", role->name);
        }
        xid = newest_xid;
        role->version = cat_version_next(catalog, role->version);
    }
    return err_new(SQLSTATE_SERIALIZATION_FAILURE, "tuple concurrently updated");
}

static Error *role_update_body(Catalog *catalog, Txn *txn, Arena *arena, const CatRole *def)
{
    TRY(check_definition(def));
    BTree *tree = NULL;
    TRY(roles_tree_for_write(catalog, txn, &tree));
    const CatRole *old = NULL;
    uint64_t xid = 0;
    TRY(role_read(catalog, txn, tree, def->oid, &old, &xid));
    if (old == NULL) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "role with OID %u does not exist", def->oid);
    }
    CatRole role = *def;
    role.name = cat_name_truncate(arena, def->name);
    if (role.name == NULL) return cat_oom();
    if (strcmp(role.name, old->name) != 0) {
        uint32_t existing = 0;
        TRY(cat_name_get(catalog, txn, CAT_ROLE_NAMESPACE, role.name, &existing));
        if (existing != 0) {
            return err_new(SQLSTATE_DUPLICATE_OBJECT, "role \"%s\" already exists", role.name);
        }
        TRY(cat_name_delete(catalog, txn, CAT_ROLE_NAMESPACE, old->name));
        TRY(name_insert(catalog, txn, role.name, role.oid));
    }
    role.version = cat_version_next(catalog, old->version);
    TRY(role_write(catalog, txn, tree, &role, xid));
    return cat_pending_changed(catalog, txn);
}

Error *catalog_role_update(Catalog *catalog, Txn *txn, const CatRole *def)
{
    Arena *arena = arena_create(256);
    if (arena == NULL) return cat_oom();
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    Error *err = role_update_body(catalog, txn, arena, def);
    arena_destroy(arena);
    return cat_ddl_end(txn, &savepoint, err);
}

static Error *role_drop_body(Catalog *catalog, Txn *txn, uint32_t oid)
{
    const CatRole *role = NULL;
    TRY(catalog_role_get(catalog, txn, oid, &role));
    if (role == NULL) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "role with OID %u does not exist", oid);
    }
    if (oid == CAT_OID_BOOTSTRAP_ROLE) {
        return err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                       "role \"%s\" cannot be dropped because some objects depend on it",
                       role->name);
    }
    BTree *tree = NULL;
    TRY(roles_tree(catalog, txn, &tree));
    VERIFY(tree != NULL);     /* a role other than the bootstrap one lives in the tree */
    uint64_t xid = 0;
    TRY(role_read(catalog, txn, tree, oid, &role, &xid));
    if (role == NULL) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "role with OID %u does not exist", oid);
    }
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    TxnRowResult result = {0};
    TRY(txn_row_delete(txn, tree, key, sizeof key, xid, &result));
    TxnRowOutcome outcome = result.outcome;
    txn_row_result_free(&result);
    if (outcome == TXN_ROW_CHANGED) {
        /* READ COMMITTED: someone altered it meanwhile; delete the newest version */
        TRY(txn_row_delete(txn, tree, key, sizeof key, 0, &result));
        outcome = result.outcome;
        txn_row_result_free(&result);
    }
    if (outcome == TXN_ROW_GONE) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "role \"%s\" does not exist", role->name);
    }
    TRY(cat_name_delete(catalog, txn, CAT_ROLE_NAMESPACE, role->name));
    return cat_pending_changed(catalog, txn);
}

Error *catalog_role_drop(Catalog *catalog, Txn *txn, uint32_t oid)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, role_drop_body(catalog, txn, oid));
}
