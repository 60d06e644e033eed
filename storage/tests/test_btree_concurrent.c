/* storage/tests/test_btree_concurrent.c: several threads on one B+ tree.
 *
 * 1. Four threads, keys interleaved over the whole key space, each key owned by one thread
 *    (key number % 4 == thread): random insert/update/delete/get on their own keys, and range
 *    scans over everything that must be strictly increasing and must show exactly the scanning
 *    thread's own keys of that range (nobody else changes them). At the end the tree equals the
 *    union of the threads' models and bt_check_store passes; the shadow sink checks every mtr.
 * 2. No tree-wide lock: a writer is parked by the "bt.split.after_alloc" failpoint in the
 *    middle of a leaf split in a tree of height >= 3, while three other threads complete a
 *    fixed amount of inserts, gets and scans in another part of the tree; they must finish
 *    while the writer is still parked. Then it is released and everything is checked. The
 *    same with a deleter parked by "bt.merge.mid" in the middle of a merge. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/bytes.h"
#include "common/failpoint.h"
#include "storage/btree.h"
#include "storage/store.h"
#include "storage/tests/shadow.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) ck_abort_msg("%s: %s", #expr, err_ok_->message);         \
    } while (0)

enum { THREAD_COUNT = 4 };

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static uint64_t rnd(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* key of number: 8 bytes big-endian, then number % 9 bytes of filler */
static size_t make_key(uint8_t *key, uint64_t number)
{
    enc_u64be(key, number);
    size_t extra = (size_t)(number % 9);
    memset(key + 8, 'k', extra);
    return 8 + extra;
}

static size_t make_value(uint8_t *value, uint64_t number, uint32_t version, uint64_t *state)
{
    size_t size = rnd(state) % 100 == 0 ? 12000 + (size_t)(rnd(state) % 8000)
                                        : (size_t)(rnd(state) % 400);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value[byte_idx] = (uint8_t)(number + version * 13 + byte_idx);
    }
    return size;
}

typedef struct Shared {
    Store *store;
    BTree *tree;
    size_t key_count;       /* key numbers [0, key_count) */
    size_t op_count;
} Shared;

typedef struct Worker {
    Shared   *shared;
    int       thread_idx;
    uint32_t *versions;     /* per owned key: 0 absent, else version + size seed */
    size_t   *sizes;
    char      failure[256];
} Worker;

static bool worker_fail(Worker *worker, const char *what, Error *err)
{
    snprintf(worker->failure, sizeof worker->failure, "thread %d: %s%s%s", worker->thread_idx,
             what, err != NULL ? ": " : "", err != NULL ? err->message : "");
    if (err != NULL) err_free(err);
    return false;
}

static bool expect_value(const uint8_t *data, size_t size, uint64_t number, uint32_t version,
                         size_t expected_size)
{
    if (size != expected_size) return false;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        if (data[byte_idx] != (uint8_t)(number + version * 13 + byte_idx)) return false;
    }
    return true;
}

static bool scan_check(Worker *worker, uint64_t *state, BtBuf *buf)
{
    Shared *shared = worker->shared;
    uint64_t lo_number = rnd(state) % shared->key_count;
    uint64_t hi_number = lo_number + 1 + rnd(state) % 400;
    uint8_t lo[32];
    uint8_t hi[32];
    size_t lo_size = make_key(lo, lo_number);
    size_t hi_size = make_key(hi, hi_number);
    BtCursor *cursor = NULL;
    Error *err = bt_cursor_open(shared->tree, &cursor);
    if (err != NULL) return worker_fail(worker, "cursor open", err);
    bool ok = true;
    bool forward = rnd(state) % 2 == 0;
    err = bt_cursor_set_range(cursor, lo, lo_size, hi, hi_size);
    if (err == NULL) err = forward ? bt_cursor_first(cursor) : bt_cursor_last(cursor);
    /* own keys of the range, in scan order, must appear exactly as in the model */
    uint64_t expect = forward ? lo_number : hi_number - 1;
    int64_t last = -1;
    while (err == NULL && bt_cursor_valid(cursor)) {
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        uint64_t number = dec_u64be(key);
        if (last >= 0 && (forward ? (int64_t)number <= last : (int64_t)number >= last)) {
            ok = worker_fail(worker, "scan out of order", NULL);
            break;
        }
        last = (int64_t)number;
        if (number % THREAD_COUNT == (uint64_t)worker->thread_idx) {
            /* every own key between the previous one and this one must be absent */
            while (expect != number) {
                if (expect < shared->key_count && worker->versions[expect / THREAD_COUNT] != 0 &&
                    expect % THREAD_COUNT == (uint64_t)worker->thread_idx) {
                    ok = worker_fail(worker, "scan missed an own key", NULL);
                    break;
                }
                expect = forward ? expect + 1 : expect - 1;
            }
            if (!ok) break;
            uint32_t version = worker->versions[number / THREAD_COUNT];
            if (version == 0) {
                ok = worker_fail(worker, "scan shows a deleted own key", NULL);
                break;
            }
            err = bt_cursor_value(cursor, buf);
            if (err != NULL) break;
            if (!expect_value(buf->data, buf->size, number, version,
                              worker->sizes[number / THREAD_COUNT])) {
                ok = worker_fail(worker, "scan value differs", NULL);
                break;
            }
            expect = forward ? expect + 1 : expect - 1;
        }
        err = forward ? bt_cursor_next(cursor) : bt_cursor_prev(cursor);
    }
    bt_cursor_close(cursor);
    if (err != NULL) return worker_fail(worker, "scan", err);
    return ok;
}

static void *worker_main(void *arg)
{
    Worker *worker = arg;
    Shared *shared = worker->shared;
    uint64_t state = 0x1234567ull * (uint64_t)(worker->thread_idx + 1);
    uint8_t key[32];
    uint8_t *value = malloc(20000);
    BtBuf buf = {0};
    size_t own_count = shared->key_count / THREAD_COUNT;
    for (size_t op_idx = 0; op_idx < shared->op_count && worker->failure[0] == '\0'; op_idx++) {
        uint64_t own_idx = rnd(&state) % own_count;
        uint64_t number = own_idx * THREAD_COUNT + (uint64_t)worker->thread_idx;
        size_t key_size = make_key(key, number);
        uint32_t *version = &worker->versions[own_idx];
        int pick = (int)(rnd(&state) % 100);
        Error *err = NULL;
        bool found = false;
        if (pick < 35) {
            uint32_t new_version = *version + 1;
            size_t value_size = make_value(value, number, new_version, &state);
            err = bt_insert(shared->tree, key, key_size, value, value_size);
            if (*version != 0) {
                if (err == NULL || err->state != SQLSTATE_UNIQUE_VIOLATION) {
                    worker_fail(worker, "duplicate insert not refused", err);
                    break;
                }
                err_free(err);
            } else if (err != NULL) {
                worker_fail(worker, "insert", err);
                break;
            } else {
                *version = new_version;
                worker->sizes[own_idx] = value_size;
            }
        } else if (pick < 50) {
            uint32_t new_version = *version + 1;
            size_t value_size = make_value(value, number, new_version, &state);
            err = bt_update(shared->tree, key, key_size, value, value_size, &found);
            if (err != NULL || found != (*version != 0)) {
                worker_fail(worker, "update", err);
                break;
            }
            if (found) {
                *version = new_version;
                worker->sizes[own_idx] = value_size;
            }
        } else if (pick < 75) {
            err = bt_delete(shared->tree, key, key_size, &found);
            if (err != NULL || found != (*version != 0)) {
                worker_fail(worker, "delete", err);
                break;
            }
            /* keep versions increasing across delete + insert */
            if (found) *version = 0;
        } else if (pick < 97) {
            err = bt_get(shared->tree, key, key_size, &buf, &found);
            if (err != NULL || found != (*version != 0)) {
                worker_fail(worker, "get", err);
                break;
            }
            if (found && !expect_value(buf.data, buf.size, number, *version,
                                       worker->sizes[own_idx])) {
                worker_fail(worker, "get value differs", NULL);
                break;
            }
        } else {
            if (!scan_check(worker, &state, &buf)) break;
        }
    }
    free(value);
    bt_buf_free(&buf);
    return NULL;
}

START_TEST(test_bt_four_threads_own_keys)
{
    Vfs *vfs = vfs_fault_create(7);
    StoreOptions options = {.vfs = vfs, .pool_size = 8 * 1024 * 1024, .create = true};
    Store *store = NULL;
    OK(store_open("conc.birch", &options, &store));
    Shadow *shadow = NULL;
    OK(shadow_attach(store, &shadow));
    PageId root = PAGE_ID_NONE;
    OK(bt_create(store, &root));
    BTree *tree = NULL;
    OK(bt_open(store, root, &tree));
    Shared shared = {.store = store, .tree = tree, .key_count = 40000,
                     .op_count = (size_t)(150000 * test_scale())};
    Worker workers[THREAD_COUNT];
    pthread_t threads[THREAD_COUNT];
    for (int thread_idx = 0; thread_idx < THREAD_COUNT; thread_idx++) {
        workers[thread_idx] = (Worker){.shared = &shared, .thread_idx = thread_idx};
        workers[thread_idx].versions = calloc(shared.key_count / THREAD_COUNT, sizeof(uint32_t));
        workers[thread_idx].sizes = calloc(shared.key_count / THREAD_COUNT, sizeof(size_t));
        pthread_create(&threads[thread_idx], NULL, worker_main, &workers[thread_idx]);
    }
    for (int thread_idx = 0; thread_idx < THREAD_COUNT; thread_idx++) {
        pthread_join(threads[thread_idx], NULL);
    }
    for (int thread_idx = 0; thread_idx < THREAD_COUNT; thread_idx++) {
        ck_assert_msg(workers[thread_idx].failure[0] == '\0', "%s", workers[thread_idx].failure);
    }
    ck_assert_msg(!shadow_failed(shadow), "%s", shadow_error(shadow));
    /* the tree equals the union of the models */
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(tree, &cursor));
    OK(bt_cursor_first(cursor));
    BtBuf buf = {0};
    uint64_t entry_count = 0;
    for (uint64_t number = 0; number < shared.key_count; number++) {
        Worker *owner = &workers[number % THREAD_COUNT];
        uint32_t version = owner->versions[number / THREAD_COUNT];
        if (version == 0) continue;
        ck_assert(bt_cursor_valid(cursor));
        size_t key_size = 0;
        ck_assert_uint_eq(dec_u64be(bt_cursor_key(cursor, &key_size)), number);
        OK(bt_cursor_value(cursor, &buf));
        ck_assert(expect_value(buf.data, buf.size, number, version,
                               owner->sizes[number / THREAD_COUNT]));
        OK(bt_cursor_next(cursor));
        entry_count++;
    }
    ck_assert(!bt_cursor_valid(cursor));
    bt_cursor_close(cursor);
    bt_buf_free(&buf);
    BtCheckStats stats;
    OK(bt_check(tree, &stats));
    ck_assert_uint_eq(stats.entry_count, entry_count);
    ck_assert_uint_ge(stats.height, 2);
    OK(bt_check_store(store, &root, 1));
    ck_assert_msg(shadow_check_all(shadow), "%s", shadow_error(shadow));
    shadow_detach(shadow);
    for (int thread_idx = 0; thread_idx < THREAD_COUNT; thread_idx++) {
        free(workers[thread_idx].versions);
        free(workers[thread_idx].sizes);
    }
    bt_close(tree);
    OK(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

/* ---- the parked writer ---- */

enum { PREFIX_SIZE = 290, PARK_KEY_COUNT = 6000 };

static size_t park_key(uint8_t *key, uint32_t number, uint8_t suffix)
{
    memset(key, 'q', PREFIX_SIZE);
    enc_u32be(key + PREFIX_SIZE, number);
    if (suffix == 0) return PREFIX_SIZE + 4;
    key[PREFIX_SIZE + 4] = suffix;
    return PREFIX_SIZE + 5;
}

typedef struct ParkArgs {
    BTree      *tree;
    int         thread_idx;
    atomic_bool done;
    char        failure[256];
} ParkArgs;

static void *parked_writer(void *arg)
{
    ParkArgs *args = arg;
    uint8_t key[PREFIX_SIZE + 8];
    uint8_t value[1500];
    memset(value, 'w', sizeof value);
    /* large entries next to key 10 until its leaf splits (and the failpoint parks us) */
    for (uint8_t suffix = 1; suffix < 40; suffix++) {
        Error *err = bt_insert(args->tree, key, park_key(key, 10, suffix), value, sizeof value);
        if (err != NULL) {
            snprintf(args->failure, sizeof args->failure, "writer: %s", err->message);
            err_free(err);
            break;
        }
    }
    atomic_store(&args->done, true);
    return NULL;
}

static void *parked_deleter(void *arg)
{
    ParkArgs *args = arg;
    uint8_t key[PREFIX_SIZE + 8];
    /* delete the neighbours of key 10 until its leaf underflows and merges (and parks us) */
    for (uint32_t number = 10; number < 60; number++) {
        bool found = false;
        Error *err = bt_delete(args->tree, key, park_key(key, number, 0), &found);
        if (err != NULL || !found) {
            snprintf(args->failure, sizeof args->failure, "deleter: %s",
                     err != NULL ? err->message : "key not found");
            if (err != NULL) err_free(err);
            break;
        }
    }
    atomic_store(&args->done, true);
    return NULL;
}

static void *other_worker(void *arg)
{
    ParkArgs *args = arg;
    uint8_t key[PREFIX_SIZE + 8];
    uint8_t value[16];
    memset(value, 'o', sizeof value);
    BtBuf buf = {0};
    uint64_t state = 99 + (uint64_t)args->thread_idx;
    /* the right half of the tree: a few small entries per leaf never split a half-full leaf */
    for (int op_idx = 0; op_idx < 600; op_idx++) {
        uint32_t number = PARK_KEY_COUNT / 2 + (uint32_t)(rnd(&state) % (PARK_KEY_COUNT / 2));
        Error *err = NULL;
        if (op_idx % 3 == 0) {
            err = bt_insert(args->tree, key,
                            park_key(key, number, (uint8_t)(args->thread_idx + 1)), value,
                            sizeof value);
            if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
                err_free(err);
                err = NULL;
            }
        } else if (op_idx % 3 == 1) {
            bool found = false;
            err = bt_get(args->tree, key, park_key(key, number, 0), &buf, &found);
            if (err == NULL && !found) {
                snprintf(args->failure, sizeof args->failure, "key %u not found", number);
                break;
            }
        } else {
            BtCursor *cursor = NULL;
            err = bt_cursor_open(args->tree, &cursor);
            if (err == NULL) err = bt_cursor_seek(cursor, key, park_key(key, number, 0));
            for (int step = 0; step < 20 && err == NULL && bt_cursor_valid(cursor); step++) {
                err = bt_cursor_next(cursor);
            }
            bt_cursor_close(cursor);
        }
        if (err != NULL) {
            snprintf(args->failure, sizeof args->failure, "other: %s", err->message);
            err_free(err);
            break;
        }
    }
    bt_buf_free(&buf);
    atomic_store(&args->done, true);
    return NULL;
}

static void run_park_test(const char *fp_name, void *(*writer_main)(void *), uint64_t min_entries)
{
    Vfs *vfs = vfs_fault_create(8);
    StoreOptions options = {.vfs = vfs, .pool_size = 16 * 1024 * 1024, .create = true};
    Store *store = NULL;
    OK(store_open("park.birch", &options, &store));
    PageId root = PAGE_ID_NONE;
    OK(bt_create(store, &root));
    BTree *tree = NULL;
    OK(bt_open(store, root, &tree));
    /* half-full pages with long separators: height >= 3, and room in every page */
    BtBulk *bulk = NULL;
    OK(bt_bulk_begin(tree, 0.5, &bulk));
    uint8_t key[PREFIX_SIZE + 8];
    uint8_t value[60];
    memset(value, 'v', sizeof value);
    for (uint32_t number = 0; number < PARK_KEY_COUNT; number++) {
        OK(bt_bulk_add(bulk, key, park_key(key, number, 0), value, sizeof value));
    }
    OK(bt_bulk_finish(bulk));
    BtCheckStats stats;
    OK(bt_check(tree, &stats));
    ck_assert_uint_ge(stats.height, 3);

    fp_set(fp_name, FP_ACTION_PARK, 0, 1);
    ParkArgs writer_args = {.tree = tree, .thread_idx = 0};
    atomic_init(&writer_args.done, false);
    pthread_t writer;
    pthread_create(&writer, NULL, writer_main, &writer_args);
    ck_assert_msg(fp_wait_parked(fp_name, 20000), "the writer never parked at %s", fp_name);

    ParkArgs others[3];
    pthread_t threads[3];
    for (int thread_idx = 0; thread_idx < 3; thread_idx++) {
        others[thread_idx] = (ParkArgs){.tree = tree, .thread_idx = thread_idx + 1};
        atomic_init(&others[thread_idx].done, false);
        pthread_create(&threads[thread_idx], NULL, other_worker, &others[thread_idx]);
    }
    /* they must all finish while the writer is still parked */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool all_done = false;
    for (;;) {
        all_done = true;
        for (int thread_idx = 0; thread_idx < 3; thread_idx++) {
            if (!atomic_load(&others[thread_idx].done)) all_done = false;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (all_done || now.tv_sec - start.tv_sec > 60) break;
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    bool writer_still_parked = !atomic_load(&writer_args.done);
    fp_release(fp_name);
    for (int thread_idx = 0; thread_idx < 3; thread_idx++) pthread_join(threads[thread_idx], NULL);
    pthread_join(writer, NULL);
    fp_clear_all();
    ck_assert_msg(all_done, "other threads did not finish while the writer was parked");
    ck_assert(writer_still_parked);
    ck_assert_msg(writer_args.failure[0] == '\0', "%s", writer_args.failure);
    for (int thread_idx = 0; thread_idx < 3; thread_idx++) {
        ck_assert_msg(others[thread_idx].failure[0] == '\0', "%s", others[thread_idx].failure);
    }
    OK(bt_check(tree, &stats));
    ck_assert_uint_ge(stats.entry_count, min_entries);
    OK(bt_check_store(store, &root, 1));
    bt_close(tree);
    OK(store_close(store));
    vfs_fault_destroy(vfs);
}

START_TEST(test_bt_parked_split_blocks_nothing_else)
{
    run_park_test("bt.split.after_alloc", parked_writer, PARK_KEY_COUNT + 39);
}
END_TEST

START_TEST(test_bt_parked_merge_blocks_nothing_else)
{
    run_park_test("bt.merge.mid", parked_deleter, PARK_KEY_COUNT - 50);
}
END_TEST

static Suite *concurrent_suite(void)
{
    Suite *suite = suite_create("btree_concurrent");
    TCase *tcase = tcase_create("threads");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_bt_four_threads_own_keys);
    tcase_add_test(tcase, test_bt_parked_split_blocks_nothing_else);
    tcase_add_test(tcase, test_bt_parked_merge_blocks_nothing_else);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(concurrent_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
