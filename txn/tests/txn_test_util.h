/* txn/tests/txn_test_util.h: helpers shared by the transaction-manager tests (test_txn.c,
 * test_isolation.c, test_vstore.c): a database on the in-memory fault VFS, one-column rows
 * (an int64 "value") keyed by an int64, raw and visible scans. Header-only (static) so it is
 * not linked into the other txn/ test programs. */
#ifndef BIRCH_TXN_TESTS_TXN_TEST_UTIL_H
#define BIRCH_TXN_TESTS_TXN_TEST_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/arena.h"
#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/key.h"
#include "storage/row.h"
#include "storage/store.h"
#include "txn/recov.h"
#include "txn/txn.h"
#include "txn/vstore.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) {                                                        \
            ck_abort_msg("%s:%d: %s: %s %s", __FILE__, __LINE__, #expr,               \
                         sqlstate_code(err_ok_->state), err_ok_->message);            \
        }                                                                             \
    } while (0)
#define MUST(cond)                                                                    \
    do {                                                                              \
        if (!(cond)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);            \
    } while (0)
/* EXPECT_STATE: expr fails with the given SQLSTATE (the error is freed). */
#define EXPECT_STATE(expr, state_name)                                                \
    do {                                                                              \
        Error *err_x_ = (expr);                                                       \
        if (err_x_ == NULL) ck_abort_msg("%s:%d: %s succeeded", __FILE__, __LINE__, #expr); \
        if (err_x_->state != SQLSTATE_##state_name) {                                 \
            ck_abort_msg("%s:%d: %s: %s %s", __FILE__, __LINE__, #expr,               \
                         sqlstate_code(err_x_->state), err_x_->message);              \
        }                                                                             \
        err_free(err_x_);                                                             \
    } while (0)

static inline double tt_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static inline double tt_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

typedef struct TestDb {
    Vfs        *vfs;
    Store      *store;
    TxnManager *manager;
    BTree      *table;
    PageId      root;
    Arena      *arena;
    RowLayout  *layout;
    RecovDb    *recov;        /* tt_open_wal: the durable database (else NULL) */
} TestDb;

enum { TT_RECORD_SIZE_MAX = 64, TT_KEY_SIZE = 9 };

static inline void tt_open_store(TestDb *db, const TxnOptions *options)
{
    StoreOptions store_options = {.vfs = db->vfs, .pool_size = 8 << 20, .create = true};
    OK(store_open("txn.birch", &store_options, &db->store));
    OK(txn_manager_open(db->store, options, &db->manager));
}

static inline void tt_open(TestDb *db, const TxnOptions *options)
{
    memset(db, 0, sizeof *db);
    db->vfs = vfs_fault_create(7);
    db->arena = arena_create(4096);
    RowKind kinds[1] = {ROW_KIND_FIXED8};
    OK(row_layout_new(db->arena, kinds, 1, &db->layout));
    tt_open_store(db, options);
    OK(bt_create(db->store, &db->root));
    OK(bt_open(db->store, db->root, &db->table));
    OK(txn_manager_register_tree(db->manager, db->table));
}

/* tt_open_wal: as tt_open, on a database opened durably (recov_open: WAL + checkpointer);
 * txn_recov_undo is the recovery undo callback. */
static inline void tt_open_wal(TestDb *db, const TxnOptions *options_in)
{
    memset(db, 0, sizeof *db);
    db->vfs = vfs_fault_create(8);
    db->arena = arena_create(4096);
    RowKind kinds[1] = {ROW_KIND_FIXED8};
    OK(row_layout_new(db->arena, kinds, 1, &db->layout));
    RecovOptions recov_options = {
        .store = {.vfs = db->vfs, .create = true, .pool_size = 8 << 20},
        .wal = {.capacity = 16 << 20},
        .undo_fn = txn_recov_undo,
    };
    RecovReport report;
    OK(recov_open("txnwal.birch", &recov_options, &db->recov, &report));
    db->store = recov_store(db->recov);
    TxnOptions options = options_in != NULL ? *options_in : (TxnOptions){0};
    options.wal = recov_wal(db->recov);
    options.ckpt = recov_ckpt(db->recov);
    options.next_xid_min = report.max_xid + 1;
    OK(txn_manager_open(db->store, &options, &db->manager));
    OK(bt_create(db->store, &db->root));
    OK(bt_open(db->store, db->root, &db->table));
    OK(txn_manager_register_tree(db->manager, db->table));
}

static inline void tt_close(TestDb *db)
{
    OK(bt_check(db->table, NULL));
    txn_manager_unregister_tree(db->manager, db->table);
    bt_close(db->table);
    OK(txn_manager_close(db->manager));
    if (db->recov != NULL) OK(recov_close(db->recov));
    else OK(store_close(db->store));
    vfs_fault_destroy(db->vfs);
    arena_destroy(db->arena);
}

/* tt_key_id: the id of a tt_key key. */
static inline int64_t tt_key_id(const uint8_t *key, size_t key_size)
{
    KeyReader reader;
    key_reader_init(&reader, key, key_size);
    bool is_null = false;
    int64_t id = 0;
    OK(key_read_int64(&reader, KEY_ASC, &is_null, &id));
    return id;
}

/* tt_key: the 9-byte key of id. */
static inline void tt_key(int64_t id, uint8_t key[TT_KEY_SIZE])
{
    KeyBuf buf;
    key_buf_init(&buf, key, TT_KEY_SIZE);
    OK(key_append_int64(&buf, KEY_ASC, id));
}

static inline size_t tt_record(const TestDb *db, int64_t value, uint8_t out[TT_RECORD_SIZE_MAX])
{
    uint8_t bytes[8];
    enc_u64le(bytes, (uint64_t)value);
    RowValue values[1] = {{.is_null = false, .bytes = bytes, .size = 8}};
    size_t size = 0;
    OK(row_size(db->layout, values, &size));
    MUST(size <= TT_RECORD_SIZE_MAX);
    RowHeader header = {0};
    row_encode(db->layout, &header, values, out, size);
    return size;
}

static inline int64_t tt_value(const TestDb *db, const uint8_t *record, size_t size)
{
    RowValue value;
    OK(row_column(db->layout, record, size, 0, &value));
    MUST(!value.is_null && value.size == 8);
    return (int64_t)dec_u64le(value.bytes);
}

static inline uint64_t tt_record_xid(const uint8_t *record, size_t size)
{
    RowHeader header;
    OK(row_header_read(record, size, &header));
    return header.xid;
}

static inline Error *tt_insert(TestDb *db, Txn *txn, int64_t id, int64_t value)
{
    uint8_t key[TT_KEY_SIZE];
    uint8_t record[TT_RECORD_SIZE_MAX];
    tt_key(id, key);
    size_t size = tt_record(db, value, record);
    return txn_row_insert(txn, db->table, key, sizeof key, record, size);
}

/* tt_get: the visible value of id; *found_out false if none. *xid_out (optional): its writer. */
static inline Error *tt_get(TestDb *db, Txn *txn, int64_t id, int64_t *value_out,
                            bool *found_out, uint64_t *xid_out)
{
    uint8_t key[TT_KEY_SIZE];
    tt_key(id, key);
    BtBuf record = {0};
    Error *err = txn_row_get(txn, db->table, key, sizeof key, &record, found_out);
    if (err == NULL && *found_out) {
        *value_out = tt_value(db, record.data, record.size);
        if (xid_out != NULL) *xid_out = tt_record_xid(record.data, record.size);
    }
    bt_buf_free(&record);
    return err;
}

/* tt_get_value: the visible value of id, which must exist. */
static inline int64_t tt_get_value(TestDb *db, Txn *txn, int64_t id)
{
    int64_t value = 0;
    bool found = false;
    OK(tt_get(db, txn, id, &value, &found, NULL));
    MUST(found);
    return value;
}

static inline bool tt_exists(TestDb *db, Txn *txn, int64_t id)
{
    int64_t value = 0;
    bool found = false;
    OK(tt_get(db, txn, id, &value, &found, NULL));
    return found;
}

/* tt_update: blind update (seen_xid 0); *outcome_out the outcome. */
static inline Error *tt_update_seen(TestDb *db, Txn *txn, int64_t id, int64_t value,
                                    uint64_t seen_xid, TxnRowResult *result)
{
    uint8_t key[TT_KEY_SIZE];
    uint8_t record[TT_RECORD_SIZE_MAX];
    tt_key(id, key);
    size_t size = tt_record(db, value, record);
    return txn_row_update(txn, db->table, key, sizeof key, seen_xid, record, size, result);
}

static inline Error *tt_update(TestDb *db, Txn *txn, int64_t id, int64_t value)
{
    TxnRowResult result;
    Error *err = tt_update_seen(db, txn, id, value, 0, &result);
    if (err == NULL) MUST(result.outcome == TXN_ROW_DONE);
    txn_row_result_free(&result);
    return err;
}

static inline Error *tt_delete(TestDb *db, Txn *txn, int64_t id)
{
    uint8_t key[TT_KEY_SIZE];
    tt_key(id, key);
    TxnRowResult result;
    Error *err = txn_row_delete(txn, db->table, key, sizeof key, 0, &result);
    if (err == NULL) MUST(result.outcome == TXN_ROW_DONE);
    txn_row_result_free(&result);
    return err;
}

/* tt_raw_dump: every (key, value) byte of the tree, in order, as one malloc'd buffer. */
static inline uint8_t *tt_raw_dump(BTree *tree, size_t *size_out)
{
    size_t size = 0;
    size_t capacity = 4096;
    uint8_t *out = malloc(capacity);
    BtCursor *cursor = NULL;
    BtBuf value = {0};
    OK(bt_cursor_open(tree, &cursor));
    OK(bt_cursor_first(cursor));
    while (bt_cursor_valid(cursor)) {
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        OK(bt_cursor_value(cursor, &value));
        while (size + key_size + value.size + 16 > capacity) {
            capacity *= 2;
            out = realloc(out, capacity);
        }
        enc_u64le(out + size, key_size);
        memcpy(out + size + 8, key, key_size);
        size += 8 + key_size;
        enc_u64le(out + size, value.size);
        memcpy(out + size + 8, value.data, value.size);
        size += 8 + value.size;
        OK(bt_cursor_next(cursor));
    }
    bt_buf_free(&value);
    bt_cursor_close(cursor);
    *size_out = size;
    return out;
}

/* tt_sum: sum and count of the values visible to txn (a visibility-filtering full scan). */
static inline Error *tt_sum(TestDb *db, Txn *txn, int64_t *sum_out, size_t *count_out)
{
    TxnCursor *cursor = NULL;
    *sum_out = 0;
    *count_out = 0;
    TRY(txn_cursor_open(txn, db->table, NULL, 0, NULL, 0, &cursor));
    Error *err = NULL;
    for (;;) {
        bool found = false;
        err = txn_cursor_next(cursor, &found);
        if (err != NULL || !found) break;
        size_t size = 0;
        const uint8_t *record = txn_cursor_record(cursor, &size);
        *sum_out += tt_value(db, record, size);
        (*count_out)++;
    }
    txn_cursor_close(cursor);
    return err;
}

#endif
