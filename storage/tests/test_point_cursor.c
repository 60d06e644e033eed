/* storage/tests/test_point_cursor.c: the per-thread cursor cache of btree_cursor.c (point).
 *
 * A closed cursor's memory is kept for the thread's next bt_cursor_open. Each test would fail
 * if a reused cursor kept anything of its previous life: a cursor reopened on another tree of
 * another store (the first one closed) must start unpositioned and unbounded and find exactly
 * that tree's keys; bounds and long keys (the heap buffers, freed at close) must work again
 * after reuse; two cursors open at once on one thread must not share memory; threads that
 * exit with a cached cursor must not leak it (the sanitizer build's leak check). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/store.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) ck_abort_msg("%s: %s", #expr, err_ok_->message);         \
    } while (0)

enum { LONG_KEY_SIZE = 200 };

typedef struct CurDb {
    Vfs   *vfs;
    Store *store;
    BTree *tree;
} CurDb;

static int scaled(int count)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    int scaled_count = (int)(count * (scale > 0 ? scale : 1.0));
    return scaled_count < 10 ? 10 : scaled_count;
}

static void db_open(CurDb *db, uint64_t seed)
{
    memset(db, 0, sizeof *db);
    db->vfs = vfs_fault_create(seed);
    StoreOptions options = {.vfs = db->vfs, .pool_size = 4 << 20, .create = true};
    OK(store_open("cursor.birch", &options, &db->store));
    PageId root;
    OK(bt_create(db->store, &root));
    OK(bt_open(db->store, root, &db->tree));
}

static void db_close(CurDb *db)
{
    bt_close(db->tree);
    OK(store_close(db->store));
    vfs_fault_destroy(db->vfs);
}

/* key_make: id as a 4-byte big-endian key, or (long) padded to LONG_KEY_SIZE bytes with a
 * byte pattern after the id (memcmp order = id order either way). */
static size_t key_make(uint32_t id, bool is_long, uint8_t *key)
{
    enc_u32be(key, id);
    if (!is_long) return 4;
    for (size_t idx = 4; idx < LONG_KEY_SIZE; idx++) key[idx] = (uint8_t)('a' + idx % 26);
    return LONG_KEY_SIZE;
}

static void put_range(CurDb *db, uint32_t first, uint32_t count, uint32_t step, bool is_long)
{
    uint8_t key[LONG_KEY_SIZE], value[8];
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t id = first + idx * step;
        size_t key_size = key_make(id, is_long, key);
        enc_u64be(value, (uint64_t)id * 3);
        OK(bt_insert(db->tree, key, key_size, value, sizeof value));
    }
}

/* seek_id: the id of the first key >= id's key, or UINT32_MAX past the end; checks the
 * value of a found entry. */
static uint32_t seek_id(BtCursor *cursor, uint32_t id, bool is_long)
{
    uint8_t key[LONG_KEY_SIZE];
    size_t key_size = key_make(id, is_long, key);
    OK(bt_cursor_seek(cursor, key, key_size));
    if (!bt_cursor_valid(cursor)) return UINT32_MAX;
    size_t found_size = 0;
    const uint8_t *found = bt_cursor_key(cursor, &found_size);
    ck_assert_uint_eq(found_size, is_long ? LONG_KEY_SIZE : 4);
    uint32_t found_id = dec_u32be(found);
    BtBuf value = {0};
    OK(bt_cursor_value(cursor, &value));
    ck_assert_uint_eq(value.size, 8);
    ck_assert_uint_eq(dec_u64be(value.data), (uint64_t)found_id * 3);
    bt_buf_free(&value);
    return found_id;
}

/* a cursor closed on one store is reopened (the cached memory) on a tree of another store,
 * after the first store is gone: it starts unpositioned and unbounded, and sees only the new
 * tree's keys, with bounds and long keys working after the reuse */
START_TEST(test_cursor_reused_on_another_store)
{
    CurDb first;
    db_open(&first, 1);
    int count = scaled(3000);
    put_range(&first, 0, (uint32_t)count, 2, true);   /* even ids, long keys */
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(first.tree, &cursor));
    uint8_t lo[4], hi[4];
    enc_u32be(lo, 100);
    enc_u32be(hi, 200);
    OK(bt_cursor_set_range(cursor, lo, 4, hi, 4));
    OK(bt_cursor_first(cursor));
    ck_assert(bt_cursor_valid(cursor));
    ck_assert_uint_eq(seek_id(cursor, 151, true), 152);
    bt_cursor_close(cursor);   /* pinned leaf, bounds, long key: all released */
    db_close(&first);

    CurDb second;
    db_open(&second, 2);
    put_range(&second, 1, (uint32_t)count, 2, false);   /* odd ids, short keys */
    for (int round = 0; round < 3; round++) {
        OK(bt_cursor_open(second.tree, &cursor));
        ck_assert(!bt_cursor_valid(cursor));
        OK(bt_cursor_first(cursor));   /* unbounded: the smallest key of this tree */
        ck_assert(bt_cursor_valid(cursor));
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        ck_assert_uint_eq(key_size, 4);
        ck_assert_uint_eq(dec_u32be(key), 1);
        for (uint32_t id = 0; id < (uint32_t)count * 2; id += 37) {
            uint32_t want = id % 2 == 1 ? id : id + 1;
            if (want >= (uint32_t)count * 2) want = UINT32_MAX;
            ck_assert_uint_eq(seek_id(cursor, id, false), want);
        }
        if (round == 1) {   /* bounds again after the reuse */
            enc_u32be(lo, 10);
            enc_u32be(hi, 16);
            OK(bt_cursor_set_range(cursor, lo, 4, hi, 4));
            OK(bt_cursor_first(cursor));
            uint32_t seen = 0;
            while (bt_cursor_valid(cursor)) {
                key = bt_cursor_key(cursor, &key_size);
                ck_assert_uint_eq(dec_u32be(key), 11 + 2 * seen);
                seen++;
                OK(bt_cursor_next(cursor));
            }
            ck_assert_uint_eq(seen, 3);   /* 11, 13, 15 */
        }
        bt_cursor_close(cursor);
    }
    /* long keys after the reuse: a second tree of long keys in this store */
    PageId root;
    BTree *long_tree = NULL;
    OK(bt_create(second.store, &root));
    OK(bt_open(second.store, root, &long_tree));
    CurDb long_db = {.tree = long_tree};
    put_range(&long_db, 0, 500, 3, true);
    OK(bt_cursor_open(long_tree, &cursor));
    ck_assert_uint_eq(seek_id(cursor, 301, true), 303);
    ck_assert_uint_eq(seek_id(cursor, 1498, true), UINT32_MAX);
    bt_cursor_close(cursor);
    bt_close(long_tree);
    db_close(&second);
}
END_TEST

/* two cursors open at once on one thread: the second open must not take the memory of the
 * first (only a closed cursor is cached); closing both keeps one and frees the other */
START_TEST(test_cursor_two_open_at_once)
{
    CurDb db;
    db_open(&db, 3);
    put_range(&db, 0, 1000, 1, false);
    BtCursor *warm = NULL;
    OK(bt_cursor_open(db.tree, &warm));
    bt_cursor_close(warm);   /* now one cursor is cached */
    for (int round = 0; round < 50; round++) {
        BtCursor *a = NULL, *b = NULL;
        OK(bt_cursor_open(db.tree, &a));
        OK(bt_cursor_open(db.tree, &b));
        ck_assert_ptr_ne(a, b);
        uint32_t id_a = (uint32_t)round * 7, id_b = (uint32_t)round * 11 + 1;   /* < 1000 */
        ck_assert_uint_eq(seek_id(a, id_a, false), id_a);
        ck_assert_uint_eq(seek_id(b, id_b, false), id_b);
        size_t key_size = 0;
        ck_assert_uint_eq(dec_u32be(bt_cursor_key(a, &key_size)), id_a);
        if (round % 2 == 0) {
            bt_cursor_close(a);
            bt_cursor_close(b);
        } else {
            bt_cursor_close(b);
            bt_cursor_close(a);
        }
    }
    db_close(&db);
}
END_TEST

typedef struct Worker {
    CurDb   *db;
    uint32_t first;
    int      lookups;
    int      failures;
} Worker;

static void *worker_main(void *arg)
{
    Worker *worker = arg;
    for (int idx = 0; idx < worker->lookups; idx++) {
        BtCursor *cursor = NULL;
        Error *err = bt_cursor_open(worker->db->tree, &cursor);
        if (err != NULL) {
            err_free(err);
            worker->failures++;
            continue;
        }
        uint8_t key[4];
        uint32_t id = (worker->first + (uint32_t)idx * 13) % 1000;
        enc_u32be(key, id);
        err = bt_cursor_seek(cursor, key, 4);
        size_t key_size = 0;
        if (err != NULL || !bt_cursor_valid(cursor) ||
            dec_u32be(bt_cursor_key(cursor, &key_size)) != id) {
            worker->failures++;
        }
        if (err != NULL) err_free(err);
        bt_cursor_close(cursor);   /* the thread exits with its last cursor cached */
    }
    return NULL;
}

/* threads open and close cursors concurrently and exit holding a cached cursor: answers stay
 * right, and nothing leaks (the key destructor frees each thread's cached cursor) */
START_TEST(test_cursor_cache_per_thread)
{
    enum { THREAD_COUNT = 4 };
    CurDb db;
    db_open(&db, 4);
    put_range(&db, 0, 1000, 1, false);
    for (int wave = 0; wave < 3; wave++) {
        pthread_t threads[THREAD_COUNT];
        Worker workers[THREAD_COUNT];
        for (int idx = 0; idx < THREAD_COUNT; idx++) {
            workers[idx] = (Worker){.db = &db, .first = (uint32_t)(idx * 100 + wave),
                                    .lookups = scaled(2000)};
            ck_assert_int_eq(pthread_create(&threads[idx], NULL, worker_main, &workers[idx]), 0);
        }
        for (int idx = 0; idx < THREAD_COUNT; idx++) {
            ck_assert_int_eq(pthread_join(threads[idx], NULL), 0);
            ck_assert_int_eq(workers[idx].failures, 0);
        }
    }
    db_close(&db);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("point_cursor");
    TCase *tcase = tcase_create("point_cursor");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_cursor_reused_on_another_store);
    tcase_add_test(tcase, test_cursor_two_open_at_once);
    tcase_add_test(tcase, test_cursor_cache_per_thread);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
