/* planner/catalog.c: the catalog's core: opening (and bootstrapping) the system trees, the
 * MVCC row helpers every DDL function uses, tree handles, the CatTable cache, lookups and the
 * end-of-transaction work.
 *
 * Cache: a CatTable is built from one birch_rel row version and cached under (OID, writer xid,
 * version counter). A version is written once by one transaction and never changes, and every
 * DDL that changes what a CatTable shows (its indexes, the FKs pointing at it) rewrites the
 * table's own row with version + 1, so a cached object is exact for every snapshot that sees
 * that row version. Each object lives in its own arena until catalog_close.
 *
 * Locks: catalog->mutex guards the cache, the handle map, row-id counters, pending lists and
 * OID allocation; no tree latch or row lock is ever waited for while holding it, except the
 * B+ tree operations of OID reservation and first-use row-id scans (latches only). */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "planner/catalog_int.h"
#include "storage/key.h"

RowKind catalog_row_kind(Type type)
{
    switch (type.id) {
    case TYPE_BOOL: return ROW_KIND_FIXED1;
    case TYPE_INT2: return ROW_KIND_FIXED2;
    case TYPE_INT4:
    case TYPE_FLOAT4:
    case TYPE_DATE: return ROW_KIND_FIXED4;
    case TYPE_INT8:
    case TYPE_FLOAT8:
    case TYPE_OID:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: return ROW_KIND_FIXED8;
    case TYPE_INTERVAL: return ROW_KIND_FIXED16;
    default: return ROW_KIND_VAR;
    }
}

static size_t bucket_of(uint64_t value) { return (size_t)(hash_u64(value) % CAT_BUCKET_COUNT); }

const char *cat_name_truncate(Arena *arena, const char *name)
{
    size_t size = strlen(name);
    if (size <= CAT_NAME_SIZE_MAX) return name;
    size = CAT_NAME_SIZE_MAX;
    while (size > 0 && ((uint8_t)name[size] & 0xC0) == 0x80) size--;   /* whole UTF-8 chars */
    return arena_strndup(arena, name, size);
}

/* ------------------------------------------------------------ tree handles ---- */

Error *cat_tree_handle(Catalog *catalog, PageId root, bool register_purge, BTree **tree_out)
{
    size_t bucket = bucket_of(root);
    pthread_mutex_lock(&catalog->mutex);
    CatHandle *handle = catalog->handles[bucket];
    while (handle != NULL && handle->root != root) handle = handle->next;
    Error *err = NULL;
    if (handle == NULL) {
        handle = calloc(1, sizeof *handle);
        if (handle == NULL) err = cat_oom();
        if (err == NULL) err = bt_open(catalog->store, root, &handle->tree);
        if (err == NULL && register_purge) {
            err = txn_manager_register_tree(catalog->manager, handle->tree);
            handle->registered = err == NULL;
        }
        if (err == NULL) {
            handle->root = root;
            handle->next = catalog->handles[bucket];
            catalog->handles[bucket] = handle;
        } else if (handle != NULL) {
            if (handle->tree != NULL) bt_close(handle->tree);
            free(handle);
        }
    }
    pthread_mutex_unlock(&catalog->mutex);
    if (err == NULL) *tree_out = handle->tree;
    return err;
}

/* retire_handle: take root's handle out of the map (its pages are about to be freed and may
 * become another tree's); the handle object stays allocated until catalog_close, because a
 * CatTable of an older snapshot may still point at it. */
static void retire_handle(Catalog *catalog, PageId root)
{
    size_t bucket = bucket_of(root);
    pthread_mutex_lock(&catalog->mutex);
    CatHandle **link = &catalog->handles[bucket];
    while (*link != NULL && (*link)->root != root) link = &(*link)->next;
    CatHandle *handle = *link;
    if (handle != NULL) {
        *link = handle->next;
        handle->next = catalog->retired;
        catalog->retired = handle;
    }
    pthread_mutex_unlock(&catalog->mutex);
    if (handle != NULL && handle->registered) {
        txn_manager_unregister_tree(catalog->manager, handle->tree);
        handle->registered = false;
    }
}

static void drop_tree(Catalog *catalog, PageId root)
{
    retire_handle(catalog, root);
    Error *err = bt_drop(catalog->store, root);
    if (err != NULL) {
        atomic_fetch_add(&catalog->leaked_tree_count, 1);
        err_free(err);
    }
}

/* ------------------------------------------------------------ pending work ---- */

static CatPending *pending_of(Catalog *catalog, uint64_t xid)
{
    CatPending *pending = catalog->pending;
    while (pending != NULL && pending->xid != xid) pending = pending->next;
    if (pending == NULL) {
        pending = calloc(1, sizeof *pending);
        if (pending == NULL) return NULL;
        pending->xid = xid;
        pending->next = catalog->pending;
        catalog->pending = pending;
    }
    return pending;
}

/* list_room: room for one more item in a growable list of item_size items; false when out of
 * memory (the list is unchanged then). */
static bool list_room(void **items, size_t *capacity, size_t count, size_t item_size)
{
    if (count < *capacity) return true;
    size_t grown = *capacity * 2 + 4;
    void  *moved = realloc(*items, grown * item_size);
    if (moved == NULL) return false;
    *items = moved;
    *capacity = grown;
    return true;
}

static bool root_list_add(CatRootList *list, uint32_t oid, PageId root)
{
    void *items = list->entries;
    if (!list_room(&items, &list->capacity, list->count, sizeof *list->entries)) return false;
    list->entries = items;
    list->entries[list->count++] = (CatRootEntry){.root = root, .oid = oid};
    return true;
}

static bool oid_list_add(CatOidList *list, uint32_t oid)
{
    void *items = list->oids;
    if (!list_room(&items, &list->capacity, list->count, sizeof *list->oids)) return false;
    list->oids = items;
    list->oids[list->count++] = oid;
    return true;
}

static bool seq_key_list_add(CatSeqKeyList *list, uint32_t oid, uint32_t key)
{
    void *items = list->entries;
    if (!list_room(&items, &list->capacity, list->count, sizeof *list->entries)) return false;
    list->entries = items;
    list->entries[list->count++] = (CatSeqKey){.oid = oid, .key = key};
    return true;
}

static void pending_free(CatPending *pending)
{
    free(pending->created_seq_keys.entries);
    free(pending->old_seq_keys.entries);
    free(pending->created.entries);
    free(pending->dropped.entries);
    free(pending->created_seqs.oids);
    free(pending->dropped_seqs.oids);
    free(pending);
}

Error *cat_pending_changed(Catalog *catalog, Txn *txn)
{
    pthread_mutex_lock(&catalog->mutex);
    CatPending *pending = pending_of(catalog, txn_xid(txn));
    if (pending != NULL) pending->changed = true;
    pthread_mutex_unlock(&catalog->mutex);
    /* Move the generation now too: the changing transaction's own prepared statements must
     * re-plan before its commit (others re-plan to the same plan, which is harmless). */
    atomic_fetch_add(&catalog->generation, 1);
    return pending != NULL ? NULL : cat_oom();
}

static Error *pending_root(Catalog *catalog, Txn *txn, uint32_t oid, PageId root, bool created)
{
    pthread_mutex_lock(&catalog->mutex);
    CatPending *pending = pending_of(catalog, txn_xid(txn));
    bool ok = pending != NULL;
    if (ok) {
        pending->changed = true;
        ok = root_list_add(created ? &pending->created : &pending->dropped, oid, root);
    }
    pthread_mutex_unlock(&catalog->mutex);
    atomic_fetch_add(&catalog->generation, 1);
    return ok ? NULL : cat_oom();
}

Error *cat_pending_drop_tree(Catalog *catalog, Txn *txn, uint32_t oid, PageId root)
{
    return pending_root(catalog, txn, oid, root, false);
}

Error *cat_pending_seq(Catalog *catalog, Txn *txn, uint32_t oid, bool created)
{
    pthread_mutex_lock(&catalog->mutex);
    CatPending *pending = pending_of(catalog, txn_xid(txn));
    bool ok = pending != NULL;
    if (ok) {
        pending->changed = true;
        ok = oid_list_add(created ? &pending->created_seqs : &pending->dropped_seqs, oid);
    }
    pthread_mutex_unlock(&catalog->mutex);
    atomic_fetch_add(&catalog->generation, 1);
    return ok ? NULL : cat_oom();
}

Error *cat_pending_seq_key(Catalog *catalog, Txn *txn, uint32_t oid, uint32_t key, bool created)
{
    pthread_mutex_lock(&catalog->mutex);
    CatPending *pending = pending_of(catalog, txn_xid(txn));
    bool ok = pending != NULL;
    if (ok) {
        pending->changed = true;
        ok = seq_key_list_add(created ? &pending->created_seq_keys : &pending->old_seq_keys, oid,
                              key);
    }
    pthread_mutex_unlock(&catalog->mutex);
    atomic_fetch_add(&catalog->generation, 1);
    return ok ? NULL : cat_oom();
}

Error *cat_tree_create(Catalog *catalog, Txn *txn, uint32_t oid, PageId *root_out)
{
    PageId root = PAGE_ID_NONE;
    TRY(bt_create(catalog->store, &root));
    Error *err = pending_root(catalog, txn, oid, root, true);
    if (err != NULL) {
        drop_tree(catalog, root);
        return err;
    }
    *root_out = root;
    return NULL;
}

/* newest_row: the newest version of oid's birch_rel row (whoever wrote it): *live_out false if
 * absent or delete-marked; def_out->root then names its tree. */
static Error *newest_row(Catalog *catalog, Arena *arena, uint32_t oid, CatRelDef *def_out,
                         bool *live_out)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    BtBuf record = {0};
    bool found = false;
    uint64_t xid = 0;
    *live_out = false;
    Error *err = bt_get(catalog->rel_tree, key, sizeof key, &record, &found);
    RowHeader header;
    if (err == NULL && found) err = row_header_read(record.data, record.size, &header);
    if (err == NULL && found && header.delete_xid == ROW_XID_NONE) {
        err = cat_rel_record_decode(catalog, record.data, record.size, arena, def_out, &xid);
        *live_out = err == NULL;
    }
    bt_buf_free(&record);
    return err;
}

/* root_named: does oid's newest live row name root? Errors count as "yes" (leak, never free
 * a live tree). */
static bool root_named(Catalog *catalog, Arena *arena, uint32_t oid, PageId root)
{
    CatRelDef def;
    bool live = false;
    Error *err = newest_row(catalog, arena, oid, &def, &live);
    if (err != NULL) {
        err_free(err);
        atomic_fetch_add(&catalog->leaked_tree_count, 1);
        return true;
    }
    return live && def.root == root;
}

static bool relation_live(Catalog *catalog, Arena *arena, uint32_t oid)
{
    CatRelDef def;
    bool live = false;
    Error *err = newest_row(catalog, arena, oid, &def, &live);
    if (err != NULL) {
        err_free(err);
        return true;
    }
    return live;
}

/* seq_key_named: is key the state key of oid's newest live row? Errors count as "yes" (a
 * leaked record, never a lost state). */
static bool seq_key_named(Catalog *catalog, Arena *arena, uint32_t oid, uint32_t key)
{
    CatRelDef def;
    bool live = false;
    Error *err = newest_row(catalog, arena, oid, &def, &live);
    if (err != NULL) {
        err_free(err);
        return true;
    }
    if (!live || def.kind != CAT_KIND_SEQUENCE) return false;
    return (def.seq.state_key != 0 ? def.seq.state_key : def.oid) == key;
}

static bool seq_key_listed(const CatSeqKeyList *list, uint32_t key)
{
    for (size_t idx = 0; idx < list->count; idx++) {
        if (list->entries[idx].key == key) return true;
    }
    return false;
}

static bool root_listed(const CatRootList *list, PageId root)
{
    for (size_t idx = 0; idx < list->count; idx++) {
        if (list->entries[idx].root == root) return true;
    }
    return false;
}

static void defer_drop(Catalog *catalog, PageId root, uint64_t xid)
{
    CatDeferred *deferred = malloc(sizeof *deferred);
    if (deferred == NULL) {   /* cannot wait: free now (old snapshots get errors, not data) */
        drop_tree(catalog, root);
        return;
    }
    pthread_mutex_lock(&catalog->mutex);
    *deferred = (CatDeferred){.root = root, .xid = xid, .next = catalog->deferred};
    catalog->deferred = deferred;
    pthread_mutex_unlock(&catalog->mutex);
}

/* defer_seq_key: delete sequence state record key once no snapshot can see a row naming it
 * (a statement that read the sequence's row before the RESTART or DROP committed may still
 * call nextval on it). */
static void defer_seq_key(Catalog *catalog, uint32_t key, uint64_t xid)
{
    CatDeferred *deferred = malloc(sizeof *deferred);
    if (deferred == NULL) {   /* cannot wait: delete now (old statements get 42P01) */
        cat_seq_state_delete(catalog, key);
        return;
    }
    pthread_mutex_lock(&catalog->mutex);
    *deferred = (CatDeferred){.seq_key = key, .xid = xid, .next = catalog->deferred};
    catalog->deferred = deferred;
    pthread_mutex_unlock(&catalog->mutex);
}

/* free_deferred: free the dropped trees and state records no snapshot can see any more (all:
 * every one). */
static void free_deferred(Catalog *catalog, bool all)
{
    uint64_t horizon = txn_manager_horizon(catalog->manager);
    CatDeferred *ready = NULL;
    pthread_mutex_lock(&catalog->mutex);
    CatDeferred **link = &catalog->deferred;
    while (*link != NULL) {
        CatDeferred *entry = *link;
        if (all || entry->xid < horizon) {
            *link = entry->next;
            entry->next = ready;
            ready = entry;
        } else {
            link = &entry->next;
        }
    }
    pthread_mutex_unlock(&catalog->mutex);
    while (ready != NULL) {
        CatDeferred *next = ready->next;
        if (ready->seq_key != 0) cat_seq_state_delete(catalog, ready->seq_key);
        else drop_tree(catalog, ready->root);
        free(ready);
        ready = next;
    }
}

static void end_committed(Catalog *catalog, const CatPending *pending, Arena *arena)
{
    for (size_t idx = 0; idx < pending->dropped.count; idx++) {
        const CatRootEntry *entry = &pending->dropped.entries[idx];
        bool seen = false;   /* a tree dropped twice (TRUNCATE then DROP) is freed once */
        for (size_t other = 0; other < idx; other++) {
            seen = seen || pending->dropped.entries[other].root == entry->root;
        }
        if (!seen && !root_named(catalog, arena, entry->oid, entry->root)) {
            defer_drop(catalog, entry->root, pending->xid);   /* older snapshots may read it */
        }
    }
    for (size_t idx = 0; idx < pending->created.count; idx++) {
        const CatRootEntry *entry = &pending->created.entries[idx];
        if (root_listed(&pending->dropped, entry->root)) continue;   /* handled above */
        if (!root_named(catalog, arena, entry->oid, entry->root)) drop_tree(catalog, entry->root);
    }
    for (size_t idx = 0; idx < pending->created_seqs.count; idx++) {
        uint32_t oid = pending->created_seqs.oids[idx];
        if (!relation_live(catalog, arena, oid)) cat_seq_state_delete(catalog, oid);
    }
    for (size_t idx = 0; idx < pending->dropped_seqs.count; idx++) {
        uint32_t oid = pending->dropped_seqs.oids[idx];
        if (!relation_live(catalog, arena, oid)) cat_seq_state_delete(catalog, oid);
    }
    /* keys created and replaced again in this transaction no committed row ever named: now */
    for (size_t idx = 0; idx < pending->created_seq_keys.count; idx++) {
        const CatSeqKey *entry = &pending->created_seq_keys.entries[idx];
        if (!seq_key_named(catalog, arena, entry->oid, entry->key)) {
            cat_seq_state_delete(catalog, entry->key);
        }
    }
    /* keys older rows name: once no snapshot sees those rows (and the commit is done) */
    for (size_t idx = 0; idx < pending->old_seq_keys.count; idx++) {
        const CatSeqKey *entry = &pending->old_seq_keys.entries[idx];
        if (seq_key_listed(&pending->created_seq_keys, entry->key)) continue;   /* above */
        bool seen = false;   /* a key replaced twice is deferred once */
        for (size_t other = 0; other < idx; other++) {
            seen = seen || pending->old_seq_keys.entries[other].key == entry->key;
        }
        if (!seen && !seq_key_named(catalog, arena, entry->oid, entry->key)) {
            defer_seq_key(catalog, entry->key, pending->xid);
        }
    }
}

static void flush_sequences(Catalog *catalog)
{
    uint64_t lsn = atomic_load(&catalog->seq_lsn);
    if (catalog->wal == NULL || lsn == 0 || lsn <= wal_durable_lsn(catalog->wal)) return;
    Error *err = wal_flush(catalog->wal, lsn);
    if (err != NULL) err_free(err);   /* the WAL now refuses writes; the commit reports it */
}

void catalog_txn_end(Catalog *catalog, uint64_t xid, bool committed)
{
    if (committed) flush_sequences(catalog);
    pthread_mutex_lock(&catalog->mutex);
    CatPending **link = &catalog->pending;
    while (*link != NULL && (*link)->xid != xid) link = &(*link)->next;
    CatPending *pending = *link;
    if (pending != NULL) *link = pending->next;
    pthread_mutex_unlock(&catalog->mutex);
    if (pending == NULL) {
        free_deferred(catalog, false);
        return;
    }
    if (committed) {
        Arena *arena = arena_create(4096);
        if (arena != NULL) end_committed(catalog, pending, arena);
        else atomic_fetch_add(&catalog->leaked_tree_count, pending->dropped.count);
        arena_destroy(arena);
    } else {
        for (size_t idx = 0; idx < pending->created.count; idx++) {
            drop_tree(catalog, pending->created.entries[idx].root);
        }
        for (size_t idx = 0; idx < pending->created_seqs.count; idx++) {
            cat_seq_state_delete(catalog, pending->created_seqs.oids[idx]);
        }
        for (size_t idx = 0; idx < pending->created_seq_keys.count; idx++) {
            cat_seq_state_delete(catalog, pending->created_seq_keys.entries[idx].key);
        }
    }
    /* A rolled-back DDL was visible to its own transaction's plans: bump either way. */
    if (pending->changed) atomic_fetch_add(&catalog->generation, 1);
    pending_free(pending);
    free_deferred(catalog, false);
}

void catalog_set_wal(Catalog *catalog, Wal *wal) { catalog->wal = wal; }

uint64_t cat_version_next(Catalog *catalog, uint64_t old)
{
    pthread_mutex_lock(&catalog->mutex);
    if (catalog->version_next <= old) catalog->version_next = old + 1;
    uint64_t version = catalog->version_next++;
    pthread_mutex_unlock(&catalog->mutex);
    return version;
}

uint64_t catalog_generation(const Catalog *catalog)
{
    return atomic_load(&((Catalog *)catalog)->generation);
}

/* ------------------------------------------------------------ OIDs ---- */

Error *cat_oid_alloc(Catalog *catalog, uint32_t *oid_out)
{
    Error *err = NULL;
    pthread_mutex_lock(&catalog->mutex);
    if (catalog->next_oid == UINT32_MAX) {
        err = err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "out of OIDs");
    } else if (catalog->next_oid >= catalog->oid_ceiling) {
        uint32_t ceiling = catalog->next_oid + CAT_OID_BATCH;
        if (ceiling < catalog->next_oid) ceiling = UINT32_MAX;
        err = cat_oid_ceiling_write(catalog, ceiling);
        if (err == NULL) catalog->oid_ceiling = ceiling;
    }
    if (err == NULL) *oid_out = catalog->next_oid++;
    pthread_mutex_unlock(&catalog->mutex);
    return err;
}

/* ------------------------------------------------------------ rows ---- */

Error *cat_rel_read(Catalog *catalog, Txn *txn, uint32_t oid, Arena *arena, CatRelDef *def_out,
                    uint64_t *xid_out, bool *found_out)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    BtBuf record = {0};
    uint64_t xid = 0;
    Error *err = txn_row_get(txn, catalog->rel_tree, key, sizeof key, &record, found_out);
    if (err == NULL && *found_out) {
        err = cat_rel_record_decode(catalog, record.data, record.size, arena, def_out, &xid);
    }
    if (err == NULL && xid_out != NULL) *xid_out = xid;
    bt_buf_free(&record);
    return err;
}

Error *cat_rel_insert(Catalog *catalog, Txn *txn, const CatRelDef *def)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(def->oid, key);
    uint8_t *record = NULL;
    size_t size = 0;
    TRY(cat_rel_record(catalog, def, &record, &size));
    Error *err = txn_row_insert(txn, catalog->rel_tree, key, sizeof key, record, size);
    free(record);
    return err;
}

static Error *undefined_oid(uint32_t oid)
{
    return err_new(SQLSTATE_UNDEFINED_TABLE, "relation with OID %u does not exist", oid);
}

static Error *modify_attempts(Catalog *catalog, Txn *txn, Arena *arena, const uint8_t *key,
                              CatRelDef *def, uint64_t xid, CatEditFn *edit, void *ctx)
{
    for (int attempt = 0; attempt < CAT_MODIFY_RETRY_MAX; attempt++) {
        TRY(edit(catalog, txn, arena, def, ctx));
        def->version = cat_version_next(catalog, def->version);
        uint8_t *record = NULL;
        size_t size = 0;
        TRY(cat_rel_record(catalog, def, &record, &size));
        TxnRowResult result = {0};
        Error *err = txn_row_update(txn, catalog->rel_tree, key, CAT_KEY_INT_SIZE, xid, record,
                                    size, &result);
        free(record);
        if (err != NULL) return err;
        if (result.outcome == TXN_ROW_DONE) return NULL;
        if (result.outcome == TXN_ROW_GONE) return undefined_oid(def->oid);
        /* CHANGED: apply the edit to the newest committed version instead. */
        err = cat_rel_record_decode(catalog, result.record.data, result.record.size, arena, def,
                                    &xid);
        xid = result.xid;
        txn_row_result_free(&result);
        if (err != NULL) return err;
    }
    return err_new(SQLSTATE_SERIALIZATION_FAILURE, "tuple concurrently updated");
}

Error *cat_rel_modify(Catalog *catalog, Txn *txn, uint32_t oid, CatEditFn *edit, void *ctx)
{
    Arena *arena = arena_create(4096);
    if (arena == NULL) return cat_oom();
    CatRelDef def;
    uint64_t xid = 0;
    bool found = false;
    Error *err = cat_rel_read(catalog, txn, oid, arena, &def, &xid, &found);
    if (err == NULL && !found) err = undefined_oid(oid);
    if (err == NULL) {
        uint8_t key[CAT_KEY_INT_SIZE];
        cat_int_key(oid, key);
        err = modify_attempts(catalog, txn, arena, key, &def, xid, edit, ctx);
    }
    if (err == NULL) err = cat_pending_changed(catalog, txn);
    arena_destroy(arena);
    return err;
}

Error *cat_rel_delete(Catalog *catalog, Txn *txn, uint32_t oid)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    TxnRowResult result = {0};
    TRY(txn_row_delete(txn, catalog->rel_tree, key, sizeof key, 0, &result));
    bool gone = result.outcome == TXN_ROW_GONE;
    txn_row_result_free(&result);
    if (gone) return undefined_oid(oid);
    return cat_pending_changed(catalog, txn);
}

Error *cat_name_get(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                    uint32_t *oid_out)
{
    *oid_out = 0;
    uint8_t key[KEY_SIZE_MAX];
    size_t key_size = 0;
    if (strlen(name) > CAT_NAME_SIZE_MAX) {
        Arena *arena = arena_create(256);
        if (arena == NULL) return cat_oom();
        Error *err = cat_name_get(catalog, txn, namespace_oid, cat_name_truncate(arena, name),
                                  oid_out);
        arena_destroy(arena);
        return err;
    }
    TRY(cat_name_key(namespace_oid, name, key, &key_size));
    BtBuf record = {0};
    bool found = false;
    Error *err = txn_row_get(txn, catalog->name_tree, key, key_size, &record, &found);
    if (err == NULL && found) {
        RowValue value;
        err = row_column(catalog->name_layout, record.data, record.size, 0, &value);
        if (err == NULL && (value.is_null || value.size != 8)) {
            err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog name record without an OID");
        }
        if (err == NULL) *oid_out = (uint32_t)dec_u64le(value.bytes);
    }
    bt_buf_free(&record);
    return err;
}

Error *cat_name_insert(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                       uint32_t oid)
{
    uint8_t key[KEY_SIZE_MAX];
    size_t key_size = 0;
    TRY(cat_name_key(namespace_oid, name, key, &key_size));
    uint8_t oid_bytes[8];
    enc_u64le(oid_bytes, oid);
    RowValue values[1] = {{.bytes = oid_bytes, .size = 8}};
    uint8_t record[64];
    size_t size = 0;
    TRY(row_size(catalog->name_layout, values, &size));
    VERIFY(size <= sizeof record);
    RowHeader header = {0};
    row_encode(catalog->name_layout, &header, values, record, size);
    Error *err = txn_row_insert(txn, catalog->name_tree, key, key_size, record, size);
    if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
        err_free(err);
        if (namespace_oid == 0) {
            return err_new(SQLSTATE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", name);
        }
        return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    return err;
}

Error *cat_name_delete(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name)
{
    uint8_t key[KEY_SIZE_MAX];
    size_t key_size = 0;
    TRY(cat_name_key(namespace_oid, name, key, &key_size));
    TxnRowResult result = {0};
    TRY(txn_row_delete(txn, catalog->name_tree, key, key_size, 0, &result));
    txn_row_result_free(&result);
    return NULL;
}

/* ------------------------------------------------------------ building CatTables ---- */

static Error *build_layout(const CatRelDef *def, Arena *arena, const RowLayout **layout_out)
{
    RowKind *kinds = arena_alloc(arena, sizeof *kinds * (def->column_count + 1u));
    if (kinds == NULL) return cat_oom();
    for (uint16_t idx = 0; idx < def->column_count; idx++) {
        kinds[idx] = catalog_row_kind(def->columns[idx].type);
    }
    RowLayout *layout = NULL;
    TRY(row_layout_new(arena, kinds, def->column_count, &layout));
    for (uint16_t idx = 0; idx < def->column_count; idx++) {
        if (!def->has_missing[idx] || def->missing[idx].is_null) continue;
        RowKind kind = kinds[idx];
        if (kind != ROW_KIND_VAR && def->missing[idx].size != (size_t)kind) {
            return err_new(SQLSTATE_DATA_CORRUPTED,
                           "catalog default of column \"%s\" has a bad size",
                           def->columns[idx].name);
        }
        row_layout_set_missing(layout, idx, &def->missing[idx]);
    }
    *layout_out = layout;
    return NULL;
}

static Error *build_index(Catalog *catalog, const CatRelDef *def, Arena *arena,
                          CatIndex **index_out)
{
    CatIndex *index = arena_calloc(arena, sizeof *index);
    if (index == NULL) return cat_oom();
    index->oid = def->oid;
    index->name = def->name;
    index->table_oid = def->table_oid;
    index->root = def->root;
    index->unique = def->unique;
    index->primary = def->primary;
    index->key_count = def->key_count;
    index->attnums = def->key_attnums;
    index->descending = def->key_descending;
    index->nulls_first = def->key_nulls_first;
    TRY(cat_tree_handle(catalog, def->root, true, &index->tree));
    *index_out = index;
    return NULL;
}

static Error *build_indexes(Catalog *catalog, Txn *txn, const CatRelDef *def, Arena *arena,
                            CatTable *table)
{
    const CatIndex **indexes = arena_calloc(arena, sizeof *indexes * (def->index_count + 1u));
    if (indexes == NULL) return cat_oom();
    uint16_t count = 0;
    for (uint16_t idx = 0; idx < def->index_count; idx++) {
        CatRelDef index_def;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, def->index_oids[idx], arena, &index_def, NULL, &found));
        if (!found || index_def.kind != CAT_KIND_INDEX) continue;
        CatIndex *index = NULL;
        TRY(build_index(catalog, &index_def, arena, &index));
        indexes[count++] = index;
    }
    table->index_count = count;
    table->indexes = indexes;
    return NULL;
}

static Error *build_referenced_by(Catalog *catalog, Txn *txn, const CatRelDef *def,
                                  Arena *arena, CatTable *table)
{
    size_t capacity = 0;
    CatRelDef *others = arena_calloc(arena, sizeof *others * (def->refby_count + 1u));
    if (others == NULL) return cat_oom();
    for (uint16_t idx = 0; idx < def->refby_count; idx++) {
        bool found = false;
        if (def->refby_oids[idx] == def->oid) {
            others[idx] = *def;
            found = true;
        } else {
            TRY(cat_rel_read(catalog, txn, def->refby_oids[idx], arena, &others[idx], NULL,
                             &found));
        }
        if (!found) others[idx].constraint_count = 0;
        capacity += others[idx].constraint_count;
    }
    const CatConstraint **refs = arena_calloc(arena, sizeof *refs * (capacity + 1));
    uint32_t *owners = arena_calloc(arena, sizeof *owners * (capacity + 1));
    if (refs == NULL || owners == NULL) return cat_oom();
    uint16_t count = 0;
    for (uint16_t idx = 0; idx < def->refby_count; idx++) {
        for (uint16_t con_idx = 0; con_idx < others[idx].constraint_count; con_idx++) {
            const CatConstraint *constraint = &others[idx].constraints[con_idx];
            if (constraint->kind != CAT_CONSTR_FOREIGN) continue;
            if (constraint->ref_table_oid != def->oid) continue;
            refs[count] = constraint;
            owners[count] = others[idx].oid;
            count++;
        }
    }
    table->referenced_by_count = count;
    table->referenced_by = refs;
    table->referenced_by_table = owners;
    return NULL;
}

static Error *build_namespace_name(Catalog *catalog, Txn *txn, const CatRelDef *def,
                                   Arena *arena, CatTable *table)
{
    table->namespace_name = "";
    if (def->namespace_oid == 0) return NULL;
    CatRelDef namespace_def;
    bool found = false;
    TRY(cat_rel_read(catalog, txn, def->namespace_oid, arena, &namespace_def, NULL, &found));
    if (found) table->namespace_name = namespace_def.name;
    return NULL;
}

static Error *build_table(Catalog *catalog, Txn *txn, CatRelDef *def, Arena *arena,
                          CatTable **table_out)
{
    CatTable *table = arena_calloc(arena, sizeof *table);
    if (table == NULL) return cat_oom();
    table->oid = def->oid;
    table->namespace_oid = def->namespace_oid;
    table->name = def->name;
    table->kind = def->kind;
    table->column_count = def->column_count;
    table->columns = def->columns;
    table->cluster_attnum = def->cluster_attnum;
    table->constraint_count = def->constraint_count;
    table->constraints = def->constraints;
    table->view_sql = def->view_sql;
    table->fillfactor = def->fillfactor > 0 ? def->fillfactor : 100;
    table->version = def->version;
    table->indexes = arena_calloc(arena, sizeof(CatIndex *));
    table->referenced_by = arena_calloc(arena, sizeof(CatConstraint *));
    table->referenced_by_table = arena_calloc(arena, sizeof(uint32_t));
    if (table->indexes == NULL || table->referenced_by == NULL) return cat_oom();
    TRY(build_namespace_name(catalog, txn, def, arena, table));
    TRY(build_layout(def, arena, &table->layout));
    if (def->kind == CAT_KIND_TABLE) {
        table->root = def->root;
        TRY(cat_tree_handle(catalog, def->root, true, &table->tree));
        TRY(build_indexes(catalog, txn, def, arena, table));
        TRY(build_referenced_by(catalog, txn, def, arena, table));
    } else if (def->kind == CAT_KIND_INDEX) {
        CatIndex *index = NULL;
        TRY(build_index(catalog, def, arena, &index));
        const CatIndex **indexes = arena_calloc(arena, sizeof *indexes);
        if (indexes == NULL) return cat_oom();
        indexes[0] = index;
        table->indexes = indexes;
        table->index_count = 1;
        table->root = def->root;
        table->tree = index->tree;
    } else if (def->kind == CAT_KIND_SEQUENCE) {
        table->root = bt_root(catalog->seq_tree);
        table->tree = catalog->seq_tree;
        table->seq_state_key = def->seq.state_key != 0 ? def->seq.state_key : def->oid;
    } else if (def->kind == CAT_KIND_VIEW) {
        const char **names = arena_calloc(arena, sizeof *names * (def->column_count + 1u));
        if (names == NULL) return cat_oom();
        for (uint16_t idx = 0; idx < def->column_count; idx++) names[idx] = def->columns[idx].name;
        table->view_columns = names;
        table->view_dep_count = def->dep_count;
        table->view_deps = def->deps;
    }
    *table_out = table;
    return NULL;
}

static CatCacheEntry *cache_find(Catalog *catalog, uint32_t oid, uint64_t xid, uint64_t version)
{
    CatCacheEntry *entry = catalog->cache[bucket_of(((uint64_t)oid << 32) ^ version)];
    while (entry != NULL &&
           !(entry->oid == oid && entry->xid == xid && entry->version == version)) {
        entry = entry->next;
    }
    return entry;
}

/* table_from_record: the CatTable of a birch_rel record, from the cache or built. */
static Error *table_from_record(Catalog *catalog, Txn *txn, uint32_t oid, const uint8_t *record,
                                size_t size, const CatTable **table_out)
{
    uint64_t xid = 0;
    uint64_t version = 0;
    TRY(cat_rel_record_version(catalog, record, size, &xid, &version));
    pthread_mutex_lock(&catalog->mutex);
    CatCacheEntry *entry = cache_find(catalog, oid, xid, version);
    pthread_mutex_unlock(&catalog->mutex);
    if (entry != NULL) {
        *table_out = entry->table;
        return NULL;
    }
    Arena *arena = arena_create(4096);
    entry = calloc(1, sizeof *entry);
    if (arena == NULL || entry == NULL) {
        arena_destroy(arena);
        free(entry);
        return cat_oom();
    }
    CatRelDef *def = arena_calloc(arena, sizeof *def);
    uint64_t record_xid = 0;
    Error *err = def != NULL ? NULL : cat_oom();
    if (err == NULL) err = cat_rel_record_decode(catalog, record, size, arena, def, &record_xid);
    if (err == NULL && def->oid != oid) {
        err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog record of OID %u names OID %u", oid,
                      def->oid);
    }
    CatTable *table = NULL;
    if (err == NULL) err = build_table(catalog, txn, def, arena, &table);
    if (err != NULL) {
        arena_destroy(arena);
        free(entry);
        return err;
    }
    atomic_fetch_add(&catalog->decode_count, 1);
    *entry = (CatCacheEntry){.oid = oid, .xid = xid, .version = version, .table = table,
                             .arena = arena};
    pthread_mutex_lock(&catalog->mutex);
    CatCacheEntry *other = cache_find(catalog, oid, xid, version);
    if (other == NULL) {
        size_t bucket = bucket_of(((uint64_t)oid << 32) ^ version);
        entry->next = catalog->cache[bucket];
        catalog->cache[bucket] = entry;
    }
    pthread_mutex_unlock(&catalog->mutex);
    if (other != NULL) {   /* another thread built it first: keep one object */
        arena_destroy(arena);
        free(entry);
        entry = other;
    }
    *table_out = entry->table;
    return NULL;
}

/* ------------------------------------------------------------ lookups ---- */

Error *catalog_get(Catalog *catalog, Txn *txn, uint32_t oid, const CatTable **table_out)
{
    *table_out = NULL;
    if (oid < CAT_SYS_OID_LIMIT) return NULL;
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    BtBuf record = {0};
    bool found = false;
    Error *err = txn_row_get(txn, catalog->rel_tree, key, sizeof key, &record, &found);
    if (err == NULL && found) {
        err = table_from_record(catalog, txn, oid, record.data, record.size, table_out);
    }
    bt_buf_free(&record);
    return err;
}

Error *catalog_lookup_namespace(Catalog *catalog, Txn *txn, const char *name, uint32_t *oid_out)
{
    return cat_name_get(catalog, txn, 0, name, oid_out);
}

Error *catalog_lookup(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                      const CatTable **table_out)
{
    *table_out = NULL;
    uint32_t oid = 0;
    TRY(cat_name_get(catalog, txn, namespace_oid, name, &oid));
    if (oid == 0) return NULL;
    return catalog_get(catalog, txn, oid, table_out);
}

Error *catalog_lookup_path(Catalog *catalog, Txn *txn, const char *const *search_path,
                           size_t path_count, const char *name, const CatTable **table_out)
{
    *table_out = NULL;
    bool catalog_listed = false;
    for (size_t idx = 0; idx < path_count; idx++) {
        if (strcmp(search_path[idx], "pg_catalog") == 0) catalog_listed = true;
    }
    if (!catalog_listed) {
        TRY(catalog_lookup(catalog, txn, CAT_OID_PG_CATALOG, name, table_out));
        if (*table_out != NULL) return NULL;
    }
    for (size_t idx = 0; idx < path_count; idx++) {
        uint32_t namespace_oid = 0;
        TRY(catalog_lookup_namespace(catalog, txn, search_path[idx], &namespace_oid));
        if (namespace_oid == 0) continue;
        TRY(catalog_lookup(catalog, txn, namespace_oid, name, table_out));
        if (*table_out != NULL) return NULL;
    }
    return NULL;
}

static Error *list_scan(Catalog *catalog, Txn *txn, TxnCursor *cursor, const CatTable ***all,
                        size_t *count, size_t *capacity)
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
        if (is_null || oid < CAT_SYS_OID_LIMIT || oid > UINT32_MAX) continue;
        size_t record_size = 0;
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        const CatTable *table = NULL;
        TRY(table_from_record(catalog, txn, (uint32_t)oid, record, record_size, &table));
        if (*count == *capacity) {
            size_t grown = *capacity * 2 + 16;
            const CatTable **tables = realloc(*all, grown * sizeof *tables);
            if (tables == NULL) return cat_oom();
            *all = tables;
            *capacity = grown;
        }
        (*all)[(*count)++] = table;
    }
}

Error *catalog_list(Catalog *catalog, Txn *txn, Arena *arena, const CatTable ***tables_out,
                    size_t *count_out)
{
    TxnCursor *cursor = NULL;
    TRY(txn_cursor_open(txn, catalog->rel_tree, NULL, 0, NULL, 0, &cursor));
    const CatTable **all = NULL;
    size_t count = 0;
    size_t capacity = 0;
    Error *err = list_scan(catalog, txn, cursor, &all, &count, &capacity);
    txn_cursor_close(cursor);
    const CatTable **tables = NULL;
    if (err == NULL) {
        tables = arena_alloc(arena, sizeof *tables * (count + 1));
        if (tables == NULL) err = cat_oom();
    }
    if (err == NULL) {
        if (count > 0) memcpy(tables, all, sizeof *tables * count);
        *tables_out = tables;
        *count_out = count;
    }
    free(all);
    return err;
}

static bool view_depends_on(const CatTable *view, uint32_t oid, int16_t attnum)
{
    for (uint16_t dep_idx = 0; dep_idx < view->view_dep_count; dep_idx++) {
        const CatDepend *dep = &view->view_deps[dep_idx];
        if (dep->ref_oid == oid && (attnum == 0 || dep->ref_attnum == attnum)) return true;
    }
    return false;
}

/* record_is_view: the kind column of a birch_rel record, without decoding its definition. */
static Error *record_is_view(Catalog *catalog, const uint8_t *record, size_t size, bool *view_out)
{
    RowValue value;
    TRY(row_column(catalog->rel_layout, record, size, CAT_REL_COL_KIND, &value));
    if (value.is_null || value.size != 1) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "catalog record without a kind");
    }
    *view_out = value.bytes[0] == (uint8_t)CAT_KIND_VIEW;
    return NULL;
}

/* views_scan: every view visible to txn, in OID order (array in arena). */
static Error *views_scan(Catalog *catalog, Txn *txn, TxnCursor *cursor, Arena *arena,
                         const CatTable ***views, size_t *count)
{
    size_t capacity = 0;
    for (;;) {
        bool found = false;
        TRY(txn_cursor_next(cursor, &found));
        if (!found) return NULL;
        size_t key_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        KeyReader reader;
        key_reader_init(&reader, key, key_size);
        bool is_null = false;
        int64_t view_oid = 0;
        TRY(key_read_int64(&reader, KEY_ASC, &is_null, &view_oid));
        if (is_null || view_oid < CAT_SYS_OID_LIMIT || view_oid > UINT32_MAX) continue;
        size_t record_size = 0;
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        bool is_view = false;
        TRY(record_is_view(catalog, record, record_size, &is_view));
        if (!is_view) continue;
        const CatTable *view = NULL;
        TRY(table_from_record(catalog, txn, (uint32_t)view_oid, record, record_size, &view));
        if (*count == capacity) {
            size_t grown = capacity * 2 + 8;
            const CatTable **bigger = arena_alloc(arena, sizeof *bigger * grown);
            if (bigger == NULL) return cat_oom();
            if (*count > 0) memcpy(bigger, *views, sizeof *bigger * *count);
            *views = bigger;
            capacity = grown;
        }
        (*views)[(*count)++] = view;
    }
}

/* DependWalk: the depth-first walk of catalog_view_dependents over the list of all views. */
typedef struct DependWalk {
    const CatTable **views;        /* every view, OID order */
    size_t           view_count;
    uint32_t        *via;          /* per view: the relation it was reached through; 0: not yet */
    const CatTable **order;        /* post-order: dependents before what they depend on */
    uint32_t        *order_via;
    size_t           order_count;
} DependWalk;

/* depend_visit: PostgreSQL's findDependentObjects order: the dependents of oid are visited
 * from the highest OID down, each after its own dependents, so the reversed list names every
 * view once, through the first relation found, as PostgreSQL's DETAIL does. */
static void depend_visit(DependWalk *walk, uint32_t oid, int16_t attnum, size_t depth)
{
    if (depth > walk->view_count) return;   /* a cycle cannot occur; bound the recursion */
    for (size_t view_idx = walk->view_count; view_idx > 0; view_idx--) {
        const CatTable *view = walk->views[view_idx - 1];
        if (walk->via[view_idx - 1] != 0 || view->oid == oid ||
            !view_depends_on(view, oid, attnum)) {
            continue;
        }
        walk->via[view_idx - 1] = oid;
        depend_visit(walk, view->oid, 0, depth + 1);
        walk->order[walk->order_count] = view;
        walk->order_via[walk->order_count] = oid;
        walk->order_count++;
    }
}

Error *catalog_view_dependents(Catalog *catalog, Txn *txn, uint32_t oid, int16_t attnum,
                               Arena *arena, const CatTable ***views_out, uint32_t **via_out,
                               size_t *count_out)
{
    TxnCursor *cursor = NULL;
    TRY(txn_cursor_open(txn, catalog->rel_tree, NULL, 0, NULL, 0, &cursor));
    DependWalk walk = {0};
    Error *err = views_scan(catalog, txn, cursor, arena, &walk.views, &walk.view_count);
    txn_cursor_close(cursor);
    if (err != NULL) return err;
    size_t slots = walk.view_count + 1;
    walk.via = arena_calloc(arena, sizeof *walk.via * slots);
    walk.order = arena_calloc(arena, sizeof *walk.order * slots);
    walk.order_via = arena_calloc(arena, sizeof *walk.order_via * slots);
    const CatTable **views = arena_calloc(arena, sizeof *views * slots);
    uint32_t *via = arena_calloc(arena, sizeof *via * slots);
    if (walk.via == NULL || walk.order == NULL || walk.order_via == NULL || views == NULL ||
        via == NULL) {
        return cat_oom();
    }
    depend_visit(&walk, oid, attnum, 0);
    for (size_t idx = 0; idx < walk.order_count; idx++) {   /* report order: reversed */
        views[idx] = walk.order[walk.order_count - 1 - idx];
        via[idx] = walk.order_via[walk.order_count - 1 - idx];
    }
    *views_out = views;
    if (via_out != NULL) *via_out = via;
    *count_out = walk.order_count;
    return NULL;
}

/* ------------------------------------------------------------ open / close ---- */

static Error *make_layouts(Catalog *catalog)
{
    catalog->arena = arena_create(1024);
    if (catalog->arena == NULL) return cat_oom();
    RowKind rel_kinds[CAT_REL_COL_COUNT] = {
        [CAT_REL_COL_KIND] = ROW_KIND_FIXED1,
        [CAT_REL_COL_NAMESPACE] = ROW_KIND_FIXED8,
        [CAT_REL_COL_VERSION] = ROW_KIND_FIXED8,
        [CAT_REL_COL_DEF] = ROW_KIND_VAR,
    };
    RowKind name_kinds[1] = {ROW_KIND_FIXED8};
    RowKind stats_kinds[1] = {ROW_KIND_VAR};
    TRY(row_layout_new(catalog->arena, rel_kinds, CAT_REL_COL_COUNT, &catalog->rel_layout));
    TRY(row_layout_new(catalog->arena, name_kinds, 1, &catalog->name_layout));
    TRY(row_layout_new(catalog->arena, stats_kinds, 1, &catalog->stats_layout));
    return NULL;
}

static const struct {
    uint32_t    oid;
    const char *name;
} system_trees[] = {
    {CAT_SYS_OID_RELNAME, "birch_relname"},
    {CAT_SYS_OID_STATS, "birch_statistic"},
    {CAT_SYS_OID_SEQSTATE, "birch_sequence_state"},
};
enum { SYSTEM_TREE_COUNT = 3 };

static const struct {
    uint32_t    oid;
    const char *name;
} builtin_schemas[] = {
    {CAT_OID_PG_CATALOG, "pg_catalog"},
    {CAT_OID_PUBLIC, "public"},
    {CAT_OID_INFORMATION_SCHEMA, "information_schema"},
};

static BTree **system_tree_slot(Catalog *catalog, uint32_t oid)
{
    switch (oid) {
    case CAT_SYS_OID_RELNAME: return &catalog->name_tree;
    case CAT_SYS_OID_STATS: return &catalog->stats_tree;
    default: return &catalog->seq_tree;
    }
}

static Error *bootstrap_rows(Catalog *catalog, Txn *txn, const PageId *roots)
{
    for (int idx = 0; idx < SYSTEM_TREE_COUNT; idx++) {
        CatRelDef def = {.oid = system_trees[idx].oid, .namespace_oid = CAT_OID_PG_CATALOG,
                         .kind = CAT_KIND_TABLE, .name = system_trees[idx].name,
                         .root = roots[idx], .version = 1};
        TRY(cat_rel_insert(catalog, txn, &def));
    }
    for (int idx = 0; idx < 3; idx++) {
        CatRelDef def = {.oid = builtin_schemas[idx].oid, .kind = CAT_KIND_SCHEMA,
                         .name = builtin_schemas[idx].name, .version = 1};
        TRY(cat_rel_insert(catalog, txn, &def));
        TRY(cat_name_insert(catalog, txn, 0, def.name, def.oid));
    }
    return NULL;
}

static Error *bootstrap(Catalog *catalog)
{
    PageId rel_root = PAGE_ID_NONE;
    PageId roots[SYSTEM_TREE_COUNT];
    TRY(bt_create(catalog->store, &rel_root));
    TRY(bt_open(catalog->store, rel_root, &catalog->rel_tree));
    for (int idx = 0; idx < SYSTEM_TREE_COUNT; idx++) {
        TRY(bt_create(catalog->store, &roots[idx]));
        TRY(bt_open(catalog->store, roots[idx], system_tree_slot(catalog, system_trees[idx].oid)));
    }
    Txn *txn = NULL;
    TRY(txn_begin(catalog->manager, TXN_READ_COMMITTED, &txn));
    Error *err = bootstrap_rows(catalog, txn, roots);
    if (err != NULL) {
        Error *rollback_err = txn_rollback(txn);
        if (rollback_err != NULL) err_free(rollback_err);
        return err;
    }
    TRY(txn_commit(txn));
    catalog->next_oid = CAT_OID_FIRST_USER;
    catalog->oid_ceiling = CAT_OID_FIRST_USER;
    TRY(cat_oid_ceiling_write(catalog, CAT_OID_FIRST_USER));
    /* The catalog exists only once slot 0 names it: a crash before this leaves a database
     * that bootstraps again (leaking the pages above, never half a catalog). */
    Mtr mtr;
    mtr_begin(&mtr, catalog->store);
    store_root_set(&mtr, 0, rel_root);
    return mtr_commit(&mtr);
}

static Error *open_existing(Catalog *catalog, PageId rel_root)
{
    TRY(bt_open(catalog->store, rel_root, &catalog->rel_tree));
    Arena *arena = arena_create(1024);
    if (arena == NULL) return cat_oom();
    Error *err = NULL;
    for (int idx = 0; err == NULL && idx < SYSTEM_TREE_COUNT; idx++) {
        uint8_t key[CAT_KEY_INT_SIZE];
        cat_int_key(system_trees[idx].oid, key);
        BtBuf record = {0};
        bool found = false;
        CatRelDef def;
        uint64_t xid = 0;
        err = bt_get(catalog->rel_tree, key, sizeof key, &record, &found);
        if (err == NULL && !found) {
            err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog system tree %s is missing",
                          system_trees[idx].name);
        }
        if (err == NULL) {
            err = cat_rel_record_decode(catalog, record.data, record.size, arena, &def, &xid);
        }
        if (err == NULL) {
            err = bt_open(catalog->store, def.root, system_tree_slot(catalog, def.oid));
        }
        bt_buf_free(&record);
    }
    arena_destroy(arena);
    TRY(err);
    uint32_t ceiling = 0;
    TRY(cat_oid_ceiling_read(catalog, &ceiling));
    if (ceiling < CAT_OID_FIRST_USER) ceiling = CAT_OID_FIRST_USER;
    catalog->next_oid = ceiling;
    catalog->oid_ceiling = ceiling;
    return NULL;
}

static Error *register_system_trees(Catalog *catalog)
{
    TRY(txn_manager_register_tree(catalog->manager, catalog->rel_tree));
    Error *err = txn_manager_register_tree(catalog->manager, catalog->name_tree);
    if (err == NULL) err = txn_manager_register_tree(catalog->manager, catalog->stats_tree);
    if (err != NULL) {
        txn_manager_unregister_tree(catalog->manager, catalog->rel_tree);
        txn_manager_unregister_tree(catalog->manager, catalog->name_tree);
    }
    return err;
}

static void close_system_trees(Catalog *catalog)
{
    if (catalog->rel_tree != NULL) bt_close(catalog->rel_tree);
    if (catalog->name_tree != NULL) bt_close(catalog->name_tree);
    if (catalog->stats_tree != NULL) bt_close(catalog->stats_tree);
    if (catalog->seq_tree != NULL) bt_close(catalog->seq_tree);
}

Error *catalog_open(Store *store, TxnManager *manager, Catalog **catalog_out)
{
    Catalog *catalog = calloc(1, sizeof *catalog);
    if (catalog == NULL) return cat_oom();
    catalog->store = store;
    catalog->manager = manager;
    pthread_mutex_init(&catalog->mutex, NULL);
    pthread_mutex_init(&catalog->seq_mutex, NULL);
    atomic_init(&catalog->generation, 1);
    Error *err = make_layouts(catalog);
    if (err == NULL) {
        PageId rel_root = store_root_get(store, 0);
        err = rel_root == PAGE_ID_NONE || rel_root == 0 ? bootstrap(catalog)
                                                        : open_existing(catalog, rel_root);
    }
    if (err == NULL) err = register_system_trees(catalog);
    if (err != NULL) {
        close_system_trees(catalog);
        arena_destroy(catalog->arena);
        pthread_mutex_destroy(&catalog->mutex);
        pthread_mutex_destroy(&catalog->seq_mutex);
        free(catalog);
        return err;
    }
    *catalog_out = catalog;
    return NULL;
}

void catalog_close(Catalog *catalog)
{
    if (catalog == NULL) return;
    free_deferred(catalog, true);
    for (size_t bucket = 0; bucket < CAT_BUCKET_COUNT; bucket++) {
        CatHandle *handle = catalog->handles[bucket];
        while (handle != NULL) {
            CatHandle *next = handle->next;
            if (handle->registered) txn_manager_unregister_tree(catalog->manager, handle->tree);
            bt_close(handle->tree);
            free(handle);
            handle = next;
        }
        CatCacheEntry *entry = catalog->cache[bucket];
        while (entry != NULL) {
            CatCacheEntry *next = entry->next;
            arena_destroy(entry->arena);
            free(entry);
            entry = next;
        }
        CatRowid *rowid = catalog->rowids[bucket];
        while (rowid != NULL) {
            CatRowid *next = rowid->next_entry;
            free(rowid);
            rowid = next;
        }
    }
    while (catalog->retired != NULL) {
        CatHandle *next = catalog->retired->next;
        bt_close(catalog->retired->tree);
        free(catalog->retired);
        catalog->retired = next;
    }
    while (catalog->pending != NULL) {
        CatPending *next = catalog->pending->next;
        pending_free(catalog->pending);
        catalog->pending = next;
    }
    txn_manager_unregister_tree(catalog->manager, catalog->rel_tree);
    txn_manager_unregister_tree(catalog->manager, catalog->name_tree);
    txn_manager_unregister_tree(catalog->manager, catalog->stats_tree);
    close_system_trees(catalog);
    arena_destroy(catalog->arena);
    pthread_mutex_destroy(&catalog->mutex);
    pthread_mutex_destroy(&catalog->seq_mutex);
    free(catalog);
}
