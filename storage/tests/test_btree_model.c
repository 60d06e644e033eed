/* storage/tests/test_btree_model.c: the randomized model test of the B+ tree.
 *
 * At least 1,000,000 mixed operations (insert, update, patch, delete, point get, [lo, hi) range
 * scans in both directions) at BIRCH_TEST_SCALE=1, with random key sizes (mostly short, some up
 * to BT_KEY_SIZE_MAX) and value sizes (mostly small, a few percent overflow values up to ~100
 * KiB), checked against a reference that shares no code with birch: a sorted array of malloc'd
 * (key, value) pairs with its own binary search and byte comparison. The shadow-replay sink
 * is attached throughout (every mtr's redo records are replayed and compared); after each phase
 * bt_check_store and a full scan against the reference run. One variant uses a buffer pool much
 * smaller than the data, so pages are evicted and re-read; both end with a clean close, a
 * reopen and a full comparison. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/btree.h"
#include "storage/store.h"
#include "storage/tests/shadow.h"

/* OK / MUST: check's ck_assert records its location on every call (a write to a pipe), too
 * slow for hot loops: these call into check only on failure. */
#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) ck_abort_msg("%s: %s", #expr, err_ok_->message);         \
    } while (0)
#define MUST(cond)                                                                    \
    do {                                                                              \
        if (!(cond)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);            \
    } while (0)

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

/* ---- the reference: a sorted array, independent of birch ---- */

typedef struct RefEntry {
    uint8_t *key;
    size_t   key_size;
    uint8_t *value;
    size_t   value_size;
} RefEntry;

typedef struct Ref {
    RefEntry *entries;
    size_t    count;
    size_t    capacity;
} Ref;

static int ref_cmp(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    for (size_t byte_idx = 0; byte_idx < a_size && byte_idx < b_size; byte_idx++) {
        if (a[byte_idx] != b[byte_idx]) return a[byte_idx] < b[byte_idx] ? -1 : 1;
    }
    if (a_size == b_size) return 0;
    return a_size < b_size ? -1 : 1;
}

/* ref_lower: index of the first entry >= key */
static size_t ref_lower(const Ref *ref, const uint8_t *key, size_t key_size)
{
    size_t low = 0;
    size_t high = ref->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (ref_cmp(ref->entries[mid].key, ref->entries[mid].key_size, key, key_size) < 0) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return low;
}

static RefEntry *ref_find(Ref *ref, const uint8_t *key, size_t key_size)
{
    size_t at = ref_lower(ref, key, key_size);
    if (at < ref->count &&
        ref_cmp(ref->entries[at].key, ref->entries[at].key_size, key, key_size) == 0) {
        return &ref->entries[at];
    }
    return NULL;
}

static uint8_t *dup_bytes(const uint8_t *bytes, size_t size)
{
    uint8_t *copy = malloc(size == 0 ? 1 : size);
    ck_assert_ptr_nonnull(copy);
    if (size > 0) memcpy(copy, bytes, size);
    return copy;
}

static void ref_insert(Ref *ref, const uint8_t *key, size_t key_size, const uint8_t *value,
                       size_t value_size)
{
    if (ref->count == ref->capacity) {
        ref->capacity = ref->capacity == 0 ? 1024 : ref->capacity * 2;
        ref->entries = realloc(ref->entries, ref->capacity * sizeof *ref->entries);
        ck_assert_ptr_nonnull(ref->entries);
    }
    size_t at = ref_lower(ref, key, key_size);
    memmove(&ref->entries[at + 1], &ref->entries[at], (ref->count - at) * sizeof *ref->entries);
    ref->entries[at] = (RefEntry){dup_bytes(key, key_size), key_size, dup_bytes(value, value_size),
                                  value_size};
    ref->count++;
}

static void ref_delete(Ref *ref, RefEntry *entry)
{
    size_t at = (size_t)(entry - ref->entries);
    free(entry->key);
    free(entry->value);
    memmove(&ref->entries[at], &ref->entries[at + 1], (ref->count - at - 1) * sizeof *ref->entries);
    ref->count--;
}

static void ref_free(Ref *ref)
{
    for (size_t idx = 0; idx < ref->count; idx++) {
        free(ref->entries[idx].key);
        free(ref->entries[idx].value);
    }
    free(ref->entries);
    *ref = (Ref){0};
}

/* ---- randomness ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static size_t rnd_below(size_t bound) { return bound == 0 ? 0 : (size_t)(rnd() % bound); }

static size_t random_key(uint8_t *key, const Ref *ref)
{
    if (ref->count > 0 && rnd_below(2) == 0) {
        const RefEntry *entry = &ref->entries[rnd_below(ref->count)];
        memcpy(key, entry->key, entry->key_size);
        return entry->key_size;
    }
    size_t pick = rnd_below(100);
    size_t size;
    if (pick < 70) {
        size = 1 + rnd_below(16);
    } else if (pick < 97) {
        size = 17 + rnd_below(284);
    } else {
        size = 300 + rnd_below(BT_KEY_SIZE_MAX - 300 + 1);
    }
    /* a small alphabet and shared prefixes make long common prefixes and near neighbours */
    size_t prefix = rnd_below(3) == 0 ? size / 2 : 0;
    memset(key, 'm', prefix);
    for (size_t byte_idx = prefix; byte_idx < size; byte_idx++) {
        key[byte_idx] = (uint8_t)("\0abmz\xff"[rnd_below(6)]);
    }
    return size;
}

static size_t random_value(uint8_t *value)
{
    size_t pick = rnd_below(1000);
    size_t size;
    if (pick < 800) {
        size = rnd_below(301);
    } else if (pick < 970) {
        size = 300 + rnd_below(2701);
    } else {
        size = 3000 + rnd_below(100 * 1024);
    }
    uint64_t seed = rnd();
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value[byte_idx] = (uint8_t)(seed >> ((byte_idx % 8) * 8)) ^ (uint8_t)byte_idx;
    }
    return size;
}

/* ---- the test ---- */

typedef struct Model {
    Vfs    *vfs;
    Store  *store;
    BTree  *tree;
    PageId  root;
    Shadow *shadow;
    Ref     ref;
    BtBuf   buf;
    uint8_t key[BT_KEY_SIZE_MAX];
    uint8_t key2[BT_KEY_SIZE_MAX];
    uint8_t *value;
    size_t  pool_size;
} Model;

static void model_open(Model *model, bool create)
{
    StoreOptions options = {.vfs = model->vfs, .pool_size = model->pool_size, .create = create};
    OK(store_open("model.birch", &options, &model->store));
    if (create) {
        OK(bt_create(model->store, &model->root));
        Mtr mtr;
        mtr_begin(&mtr, model->store);
        store_root_set(&mtr, 0, model->root);
        OK(mtr_commit(&mtr));
    } else {
        model->root = store_root_get(model->store, 0);
    }
    OK(bt_open(model->store, model->root, &model->tree));
    OK(shadow_attach(model->store, &model->shadow));
}

static void model_close(Model *model)
{
    ck_assert_msg(!shadow_failed(model->shadow), "%s", shadow_error(model->shadow));
    ck_assert_msg(shadow_check_all(model->shadow), "%s", shadow_error(model->shadow));
    shadow_detach(model->shadow);
    bt_close(model->tree);
    OK(store_close(model->store));
}

/* full_compare: a forward scan equals the reference, values included. */
static void full_compare(Model *model)
{
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(model->tree, &cursor));
    OK(bt_cursor_first(cursor));
    for (size_t idx = 0; idx < model->ref.count; idx++) {
        const RefEntry *entry = &model->ref.entries[idx];
        ck_assert_msg(bt_cursor_valid(cursor), "scan ended at %zu of %zu", idx, model->ref.count);
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        MUST(ref_cmp(key, key_size, entry->key, entry->key_size) == 0);
        OK(bt_cursor_value(cursor, &model->buf));
        ck_assert_uint_eq(model->buf.size, entry->value_size);
        MUST(entry->value_size == 0 ||
                  memcmp(model->buf.data, entry->value, entry->value_size) == 0);
        OK(bt_cursor_next(cursor));
    }
    MUST(!bt_cursor_valid(cursor));
    bt_cursor_close(cursor);
}

static void check_phase(Model *model)
{
    ck_assert_msg(!shadow_failed(model->shadow), "%s", shadow_error(model->shadow));
    BtCheckStats stats;
    OK(bt_check(model->tree, &stats));
    ck_assert_uint_eq(stats.entry_count, model->ref.count);
    OK(bt_check_store(model->store, &model->root, 1));
    full_compare(model);
}

static void op_get(Model *model)
{
    size_t key_size = random_key(model->key, &model->ref);
    RefEntry *entry = ref_find(&model->ref, model->key, key_size);
    bool found = false;
    OK(bt_get(model->tree, model->key, key_size, &model->buf, &found));
    MUST(found == (entry != NULL));
    if (entry != NULL) {
        ck_assert_uint_eq(model->buf.size, entry->value_size);
        MUST(entry->value_size == 0 ||
                  memcmp(model->buf.data, entry->value, entry->value_size) == 0);
    }
}

static void op_scan(Model *model)
{
    size_t lo_size = random_key(model->key, &model->ref);
    size_t hi_size = random_key(model->key2, &model->ref);
    bool has_lo = rnd_below(8) != 0;
    bool has_hi = rnd_below(8) != 0;
    if (has_lo && has_hi &&
        ref_cmp(model->key, lo_size, model->key2, hi_size) > 0 && rnd_below(4) != 0) {
        /* mostly proper ranges; sometimes inverted (empty) ones */
        uint8_t tmp[BT_KEY_SIZE_MAX];
        memcpy(tmp, model->key, lo_size);
        memcpy(model->key, model->key2, hi_size);
        memcpy(model->key2, tmp, lo_size);
        size_t tmp_size = lo_size;
        lo_size = hi_size;
        hi_size = tmp_size;
    }
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(model->tree, &cursor));
    OK(bt_cursor_set_range(cursor, has_lo ? model->key : NULL, has_lo ? lo_size : 0,
                           has_hi ? model->key2 : NULL, has_hi ? hi_size : 0));
    size_t begin = has_lo ? ref_lower(&model->ref, model->key, lo_size) : 0;
    size_t end = has_hi ? ref_lower(&model->ref, model->key2, hi_size) : model->ref.count;
    if (has_lo && lo_size == 0) begin = 0;
    if (end < begin) end = begin;
    size_t step_max = 1 + rnd_below(60);
    bool forward = rnd_below(2) == 0;
    if (forward) OK(bt_cursor_first(cursor));
    else OK(bt_cursor_last(cursor));
    for (size_t step = 0; step < step_max; step++) {
        if (end - begin <= step) {
            MUST(!bt_cursor_valid(cursor));
            break;
        }
        const RefEntry *entry = &model->ref.entries[forward ? begin + step : end - 1 - step];
        MUST(bt_cursor_valid(cursor));
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        MUST(ref_cmp(key, key_size, entry->key, entry->key_size) == 0);
        if (step % 8 == 0) {
            OK(bt_cursor_value(cursor, &model->buf));
            ck_assert_uint_eq(model->buf.size, entry->value_size);
            MUST(entry->value_size == 0 ||
                      memcmp(model->buf.data, entry->value, entry->value_size) == 0);
        }
        if (forward) OK(bt_cursor_next(cursor));
        else OK(bt_cursor_prev(cursor));
    }
    bt_cursor_close(cursor);
}

static void run_ops(Model *model, size_t op_count, size_t live_target)
{
    for (size_t op_idx = 0; op_idx < op_count; op_idx++) {
        size_t pick = rnd_below(100);
        bool crowded = model->ref.count > live_target;
        if (pick < 30) {
            if (crowded) pick = 45;   /* delete instead */
        }
        if (pick < 30) {
            size_t key_size = random_key(model->key, &model->ref);
            size_t value_size = random_value(model->value);
            RefEntry *entry = ref_find(&model->ref, model->key, key_size);
            Error *err = bt_insert(model->tree, model->key, key_size, model->value, value_size);
            if (entry != NULL) {
                ck_assert_ptr_nonnull(err);
                ck_assert_int_eq(err->state, SQLSTATE_UNIQUE_VIOLATION);
                err_free(err);
            } else {
                ck_assert_msg(err == NULL, "insert: %s", err ? err->message : "");
                ref_insert(&model->ref, model->key, key_size, model->value, value_size);
            }
        } else if (pick < 42) {
            size_t key_size = random_key(model->key, &model->ref);
            size_t value_size = random_value(model->value);
            RefEntry *entry = ref_find(&model->ref, model->key, key_size);
            bool found = false;
            OK(bt_update(model->tree, model->key, key_size, model->value, value_size, &found));
            MUST(found == (entry != NULL));
            if (entry != NULL) {
                free(entry->value);
                entry->value = dup_bytes(model->value, value_size);
                entry->value_size = value_size;
            }
        } else if (pick < 45) {
            size_t key_size = random_key(model->key, &model->ref);
            RefEntry *entry = ref_find(&model->ref, model->key, key_size);
            if (entry != NULL && entry->value_size > 0) {
                size_t offset = rnd_below(entry->value_size);
                size_t size = 1 + rnd_below(entry->value_size - offset < 20
                                                ? entry->value_size - offset : 20);
                uint8_t bytes[20];
                for (size_t byte_idx = 0; byte_idx < size; byte_idx++) bytes[byte_idx] = (uint8_t)rnd();
                bool found = false;
                OK(bt_patch(model->tree, model->key, key_size, offset, bytes, size, &found));
                MUST(found);
                memcpy(entry->value + offset, bytes, size);
            }
        } else if (pick < 65) {
            size_t key_size = random_key(model->key, &model->ref);
            RefEntry *entry = ref_find(&model->ref, model->key, key_size);
            bool found = false;
            OK(bt_delete(model->tree, model->key, key_size, &found));
            MUST(found == (entry != NULL));
            if (entry != NULL) ref_delete(&model->ref, entry);
        } else if (pick < 96) {
            op_get(model);
        } else {
            op_scan(model);
        }
    }
}

static void run_model(uint64_t seed, size_t pool_size, size_t op_count, size_t live_target)
{
    Model *model = calloc(1, sizeof *model);
    ck_assert_ptr_nonnull(model);
    model->value = malloc(110 * 1024);
    ck_assert_ptr_nonnull(model->value);
    rng_state = seed;
    model->vfs = vfs_fault_create(seed);
    model->pool_size = pool_size;
    model_open(model, true);
    const size_t phase_count = 10;
    for (size_t phase = 0; phase < phase_count; phase++) {
        /* phases alternate between growing and shrinking the tree */
        size_t target = phase % 3 == 2 ? live_target / 8 : live_target;
        run_ops(model, op_count / phase_count, target);
        check_phase(model);
    }
    ck_assert_uint_gt(shadow_mtr_count(model->shadow), op_count / 10);
    /* clean close, reopen, compare everything */
    model_close(model);
    model_open(model, false);
    check_phase(model);
    model_close(model);
    vfs_fault_destroy(model->vfs);
    ref_free(&model->ref);
    bt_buf_free(&model->buf);
    free(model->value);
    free(model);
}

START_TEST(test_bt_model_large_pool)
{
    size_t op_count = (size_t)(1000000 * test_scale());
    run_model(0x9E3779B97F4A7C15ull, 0, op_count, 20000);
}
END_TEST

START_TEST(test_bt_model_small_pool)
{
    /* 2 MiB of pool for tens of MiB of data: constant eviction and re-reading */
    size_t op_count = (size_t)(250000 * test_scale());
    run_model(0xC2B2AE3D27D4EB4Full, 2 * 1024 * 1024, op_count, 20000);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *suite = suite_create("btree_model");
    TCase *tcase = tcase_create("model");
    tcase_set_timeout(tcase, 1200);
    tcase_add_test(tcase, test_bt_model_large_pool);
    tcase_add_test(tcase, test_bt_model_small_pool);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(model_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
