/* storage/tests/test_btree.c: B+ tree unit tests: splits, merges, duplicates, updates, patches,
 * overflow values, cursors and ranges, bulk load, limits, reopen and drop. Every test runs with
 * the shadow-replay sink attached, so every mtr's redo records are checked against the page. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/btree_int.h"
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

typedef struct TestTree {
    Vfs    *vfs;
    Store  *store;
    BTree  *tree;
    PageId  root;
    Shadow *shadow;
} TestTree;

static void tt_open_store(TestTree *tt, size_t pool_size)
{
    StoreOptions options = {.vfs = tt->vfs, .pool_size = pool_size, .create = true};
    OK(store_open("bt.birch", &options, &tt->store));
    OK(shadow_attach(tt->store, &tt->shadow));
}

static void tt_create(TestTree *tt, size_t pool_size)
{
    memset(tt, 0, sizeof *tt);
    tt->vfs = vfs_fault_create(42);
    tt_open_store(tt, pool_size);
    OK(bt_create(tt->store, &tt->root));
    Mtr mtr;
    mtr_begin(&mtr, tt->store);
    store_root_set(&mtr, 1, tt->root);
    OK(mtr_commit(&mtr));
    OK(bt_open(tt->store, tt->root, &tt->tree));
}

static void tt_check(TestTree *tt, BtCheckStats *stats)
{
    ck_assert_msg(!shadow_failed(tt->shadow), "%s", shadow_error(tt->shadow));
    OK(bt_check(tt->tree, stats));
    OK(bt_check_store(tt->store, &tt->root, 1));
}

static void tt_close_store(TestTree *tt)
{
    ck_assert_msg(!shadow_failed(tt->shadow), "%s", shadow_error(tt->shadow));
    ck_assert_msg(shadow_check_all(tt->shadow), "%s", shadow_error(tt->shadow));
    shadow_detach(tt->shadow);
    tt->shadow = NULL;
    bt_close(tt->tree);
    tt->tree = NULL;
    OK(store_close(tt->store));
    tt->store = NULL;
}

static void tt_reopen(TestTree *tt)
{
    tt_close_store(tt);
    tt_open_store(tt, 0);
    ck_assert_uint_eq(store_root_get(tt->store, 1), tt->root);
    OK(bt_open(tt->store, tt->root, &tt->tree));
}

static void tt_destroy(TestTree *tt)
{
    tt_close_store(tt);
    vfs_fault_destroy(tt->vfs);
}

/* make_key_suffix: a 4-byte big-endian number then suffix_size bytes of 's' (increasing in
 * number whatever the suffix) */
static size_t make_key_suffix(uint8_t *out, uint32_t number, size_t suffix_size)
{
    enc_u32be(out, number);
    memset(out + 4, 's', suffix_size);
    return suffix_size + 4;
}

/* keys: a 4-byte big-endian number after prefix_size bytes of 'p' */
static size_t make_key(uint8_t *out, uint32_t number, size_t prefix_size)
{
    memset(out, 'p', prefix_size);
    enc_u32be(out + prefix_size, number);
    return prefix_size + 4;
}

static size_t make_value(uint8_t *out, uint32_t number, size_t size)
{
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        out[byte_idx] = (uint8_t)(number * 31 + byte_idx * 7 + (byte_idx >> 8));
    }
    return size;
}

static void expect_value(TestTree *tt, const uint8_t *key, size_t key_size, const uint8_t *value,
                         size_t value_size)
{
    BtBuf buf = {0};
    bool found = false;
    OK(bt_get(tt->tree, key, key_size, &buf, &found));
    MUST(found);
    ck_assert_uint_eq(buf.size, value_size);
    MUST(value_size == 0 || memcmp(buf.data, value, value_size) == 0);
    bt_buf_free(&buf);
}

static void expect_absent(TestTree *tt, const uint8_t *key, size_t key_size)
{
    BtBuf buf = {0};
    bool found = true;
    OK(bt_get(tt->tree, key, key_size, &buf, &found));
    MUST(!found);
    bt_buf_free(&buf);
}

START_TEST(test_bt_empty_tree)
{
    TestTree tt;
    tt_create(&tt, 0);
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, 0);
    ck_assert_uint_eq(stats.height, 1);
    expect_absent(&tt, (const uint8_t *)"a", 1);
    expect_absent(&tt, NULL, 0);
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(tt.tree, &cursor));
    OK(bt_cursor_first(cursor));
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_last(cursor));
    MUST(!bt_cursor_valid(cursor));
    bt_cursor_close(cursor);
    bool found = true;
    OK(bt_delete(tt.tree, (const uint8_t *)"a", 1, &found));
    MUST(!found);
    OK(bt_update(tt.tree, (const uint8_t *)"a", 1, (const uint8_t *)"x", 1, &found));
    MUST(!found);
    /* bt_open refuses a page that is not a root */
    BTree *other = NULL;
    Error *err = bt_open(tt.store, 0, &other);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_DATA_CORRUPTED);
    err_free(err);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_splits_grow_height_root_fixed)
{
    TestTree tt;
    tt_create(&tt, 0);
    int count = (int)(20000 * test_scale());
    if (count < 3000) count = 3000;
    uint8_t key[600];
    uint8_t value[64];
    /* long common prefixes keep separators long: inner pages split too */
    for (int idx = 0; idx < count; idx++) {
        uint32_t number = (uint32_t)(((uint64_t)idx * 7919) % (uint64_t)count);
        size_t key_size = make_key(key, number, 400);
        OK(bt_insert(tt.tree, key, key_size, value, make_value(value, number, 20)));
    }
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, (uint64_t)count);
    ck_assert_uint_ge(stats.height, 3);
    ck_assert_uint_eq(bt_root(tt.tree), tt.root);
    for (int idx = 0; idx < count; idx += 7) {
        size_t key_size = make_key(key, (uint32_t)idx, 400);
        expect_value(&tt, key, key_size, value, make_value(value, (uint32_t)idx, 20));
    }
    tt_destroy(&tt);
}
END_TEST

/* Random inserts: a full leaf first shares its cells with its sibling (redistribute_grow) and,
 * when both are nearly full, the two are cut into three (split_three), so leaves end up fuller
 * than the ~69% of plain 50/50 splits and the ~75% of share-or-split (~82% here); every entry
 * is still there, in order, and bt_check's fill and bound checks pass. Then every value grows
 * (updates that split leaves two- and three-way) and everything is checked again. */
START_TEST(test_bt_random_inserts_redistribute)
{
    TestTree tt;
    tt_create(&tt, 0);
    int count = (int)(40000 * test_scale());
    if (count < 8000) count = 8000;
    uint8_t key[16];
    uint8_t value[100];
    for (int idx = 0; idx < count; idx++) {
        uint32_t number = (uint32_t)idx;
        enc_u32be(key, number * 2654435761u);
        enc_u32be(key + 4, number);
        memset(key + 8, 0x5a, 8);
        OK(bt_insert(tt.tree, key, sizeof key, value, make_value(value, number, sizeof value)));
    }
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, (uint64_t)count);
    /* each entry: a 7-byte cell header, key, value and a 2-byte slot */
    double fill = (double)count * (7 + sizeof key + sizeof value + 2) /
                  ((double)stats.leaf_page_count * BT_USABLE_SIZE);
    fprintf(stderr, "test_bt_random_inserts_redistribute: %d entries, %llu leaves, fill %.3f\n",
            count, (unsigned long long)stats.leaf_page_count, fill);
    ck_assert_msg(fill >= 0.78, "leaf fill %.3f", fill);
    for (int idx = 0; idx < count; idx += 11) {
        uint32_t number = (uint32_t)idx;
        enc_u32be(key, number * 2654435761u);
        enc_u32be(key + 4, number);
        expect_value(&tt, key, sizeof key, value, make_value(value, number, sizeof value));
    }
    uint8_t big_value[300];
    bool *updated = calloc((size_t)count, sizeof *updated);
    ck_assert_ptr_nonnull(updated);
    for (int idx = 0; idx < count; idx += 3) {
        uint32_t number = (uint32_t)(idx * 7 % count);
        enc_u32be(key, number * 2654435761u);
        enc_u32be(key + 4, number);
        bool found = false;
        size_t size = make_value(big_value, number, 120 + number % 180);
        OK(bt_update(tt.tree, key, sizeof key, big_value, size, &found));
        ck_assert(found);
        updated[number] = true;
    }
    BtCheckStats grown;
    tt_check(&tt, &grown);
    ck_assert_uint_eq(grown.entry_count, (uint64_t)count);
    ck_assert_uint_gt(grown.leaf_page_count, stats.leaf_page_count);
    for (int idx = 0; idx < count; idx++) {
        uint32_t number = (uint32_t)idx;
        enc_u32be(key, number * 2654435761u);
        enc_u32be(key + 4, number);
        if (updated[idx]) {
            expect_value(&tt, key, sizeof key, big_value,
                         make_value(big_value, number, 120 + number % 180));
        } else if (idx % 5 == 0) {
            expect_value(&tt, key, sizeof key, value, make_value(value, number, sizeof value));
        }
    }
    free(updated);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_duplicate_insert_23505)
{
    TestTree tt;
    tt_create(&tt, 0);
    uint8_t key[16];
    uint8_t value[100];
    for (uint32_t number = 0; number < 2000; number++) {
        OK(bt_insert(tt.tree, key, make_key(key, number, 4), value, make_value(value, number, 50)));
    }
    for (uint32_t number = 0; number < 2000; number += 97) {
        size_t key_size = make_key(key, number, 4);
        Error *err = bt_insert(tt.tree, key, key_size, value, 10);
        ck_assert_ptr_nonnull(err);
        ck_assert_str_eq(sqlstate_code(err->state), "23505");
        err_free(err);
        /* a duplicate with an overflow value frees its chain: the store check finds no leak */
        uint8_t *big = calloc(1, 50000);
        err = bt_insert(tt.tree, key, key_size, big, 50000);
        free(big);
        ck_assert_ptr_nonnull(err);
        ck_assert_int_eq(err->state, SQLSTATE_UNIQUE_VIOLATION);
        err_free(err);
        expect_value(&tt, key, key_size, value, make_value(value, number, 50));
    }
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, 2000);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_update_grow_shrink_and_patch)
{
    TestTree tt;
    tt_create(&tt, 0);
    uint8_t key[16];
    static uint8_t value[200000];
    for (uint32_t number = 0; number < 3000; number++) {
        OK(bt_insert(tt.tree, key, make_key(key, number, 4), value, make_value(value, number, 30)));
    }
    size_t sizes[] = {0, 1, 500, 1900, 2100, 9000, 200000, 40, 3000, 12};
    for (size_t round = 0; round < sizeof sizes / sizeof sizes[0]; round++) {
        for (uint32_t number = 0; number < 3000; number += 3) {
            bool found = false;
            size_t value_size = make_value(value, number + (uint32_t)round, sizes[round]);
            if (sizes[round] > 10000 && number % 60 != 0) continue;
            OK(bt_update(tt.tree, key, make_key(key, number, 4), value, value_size, &found));
            MUST(found);
        }
        tt_check(&tt, NULL);
    }
    /* after the last round (12 bytes) every third key has 12 bytes */
    for (uint32_t number = 0; number < 3000; number += 3) {
        size_t key_size = make_key(key, number, 4);
        expect_value(&tt, key, key_size, value, make_value(value, number + 9, 12));
        expect_value(&tt, key, key_size, value, make_value(value, number + 9, 12));
    }
    /* patch inline */
    bool found = false;
    size_t key_size = make_key(key, 3, 4);
    OK(bt_patch(tt.tree, key, key_size, 2, (const uint8_t *)"XYZ", 3, &found));
    MUST(found);
    make_value(value, 3 + 9, 12);
    memcpy(value + 2, "XYZ", 3);
    expect_value(&tt, key, key_size, value, 12);
    /* patch an overflow value across a page boundary */
    make_value(value, 77, 100000);
    OK(bt_update(tt.tree, key, key_size, value, 100000, &found));
    uint8_t patch[100];
    memset(patch, 0xEE, sizeof patch);
    OK(bt_patch(tt.tree, key, key_size, BT_OVERFLOW_DATA_MAX - 50, patch, sizeof patch, &found));
    MUST(found);
    memset(value + BT_OVERFLOW_DATA_MAX - 50, 0xEE, sizeof patch);
    expect_value(&tt, key, key_size, value, 100000);
    /* patch outside the value is an error; patch of an absent key is not found */
    Error *err = bt_patch(tt.tree, key, key_size, 99990, patch, 20, &found);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    size_t absent_size = make_key(key, 999999, 4);
    OK(bt_patch(tt.tree, key, absent_size, 0, patch, 1, &found));
    MUST(!found);
    tt_check(&tt, NULL);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_delete_everything_merges_and_reuses_pages)
{
    TestTree tt;
    tt_create(&tt, 0);
    int count = (int)(30000 * test_scale());
    if (count < 5000) count = 5000;
    uint8_t key[300];
    uint8_t value[300];
    for (int round = 0; round < 2; round++) {
        for (int idx = 0; idx < count; idx++) {
            uint32_t number = (uint32_t)(((uint64_t)idx * 104729) % (uint64_t)count);
            size_t key_size = make_key(key, number, (size_t)(number % 40));
            OK(bt_insert(tt.tree, key, key_size, value, make_value(value, number, number % 200)));
        }
        BtCheckStats stats;
        tt_check(&tt, &stats);
        ck_assert_uint_eq(stats.entry_count, (uint64_t)count);
        ck_assert_uint_ge(stats.height, 2);
        uint32_t page_count_full = store_info(tt.store).page_count;
        for (int idx = 0; idx < count; idx++) {
            uint32_t number = (uint32_t)(((uint64_t)idx * 7919) % (uint64_t)count);
            size_t key_size = make_key(key, number, (size_t)(number % 40));
            bool found = false;
            OK(bt_delete(tt.tree, key, key_size, &found));
            MUST(found);
            OK(bt_delete(tt.tree, key, key_size, &found));
            MUST(!found);
            if (idx % (count / 5) == 0) tt_check(&tt, NULL);
        }
        tt_check(&tt, &stats);
        ck_assert_uint_eq(stats.entry_count, 0);
        ck_assert_uint_eq(stats.height, 1);
        ck_assert_uint_eq(bt_root(tt.tree), tt.root);
        StoreInfo info = store_info(tt.store);
        ck_assert_uint_eq(info.free_page_count, info.page_count - 2);   /* page 0 and the root */
        if (round == 1) {
            /* the second round reused the freed pages instead of growing the file */
            ck_assert_uint_le(page_count_full, info.page_count);
            ck_assert_uint_le(info.page_count, page_count_full + 2);
        }
    }
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_overflow_values)
{
    TestTree tt;
    tt_create(&tt, 0);
    size_t threshold = BT_CELL_INLINE_MAX - BT_LEAF_CELL_HEADER_SIZE - 8;
    size_t sizes[] = {threshold - 1, threshold,       threshold + 1, threshold + 2,
                      BT_OVERFLOW_DATA_MAX, BT_OVERFLOW_DATA_MAX + 1, 3 * BT_OVERFLOW_DATA_MAX,
                      1 << 20};
    size_t max_size = test_scale() >= 1.0 ? ((size_t)64 << 20) + 12345 : ((size_t)4 << 20) + 1;
    uint8_t *value = malloc(max_size);
    ck_assert_ptr_nonnull(value);
    uint8_t key[12];
    size_t count = sizeof sizes / sizeof sizes[0];
    for (size_t idx = 0; idx < count; idx++) {
        size_t key_size = make_key(key, (uint32_t)idx, 4);
        OK(bt_insert(tt.tree, key, key_size, value, make_value(value, (uint32_t)idx, sizes[idx])));
    }
    size_t big_key_size = make_key(key, 1000, 4);
    OK(bt_insert(tt.tree, key, big_key_size, value, make_value(value, 1000, max_size)));
    for (size_t idx = 0; idx < count; idx++) {
        size_t key_size = make_key(key, (uint32_t)idx, 4);
        expect_value(&tt, key, key_size, value, make_value(value, (uint32_t)idx, sizes[idx]));
    }
    big_key_size = make_key(key, 1000, 4);
    expect_value(&tt, key, big_key_size, value, make_value(value, 1000, max_size));
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_ge(stats.overflow_page_count, max_size / BT_OVERFLOW_DATA_MAX);
    uint32_t page_count = store_info(tt.store).page_count;
    bool found = false;
    OK(bt_delete(tt.tree, key, big_key_size, &found));
    MUST(found);
    tt_check(&tt, NULL);
    /* the freed chain is reused: a value of the same size does not grow the file */
    OK(bt_insert(tt.tree, key, big_key_size, value, make_value(value, 1001, max_size)));
    ck_assert_uint_le(store_info(tt.store).page_count, page_count + 1);
    expect_value(&tt, key, big_key_size, value, max_size);
    tt_check(&tt, NULL);
    free(value);
    tt_destroy(&tt);
}
END_TEST

static void cursor_expect(BtCursor *cursor, uint32_t number)
{
    MUST(bt_cursor_valid(cursor));
    size_t key_size = 0;
    const uint8_t *key = bt_cursor_key(cursor, &key_size);
    ck_assert_uint_eq(key_size, 4);
    ck_assert_uint_eq(dec_u32be(key), number);
}

/* bt_cursor_value after a forward move returns the value copied at the move only while the leaf
 * is unchanged: after an update of the entry (same leaf) it returns the new value, after a
 * delete INVALID_CURSOR_STATE, after a change of another entry of the leaf the right value;
 * large and overflow values (never copied at the move) come back whole. */
START_TEST(test_bt_cursor_value_after_leaf_changes)
{
    TestTree tt;
    tt_create(&tt, 0);
    uint8_t key[8];
    uint8_t value[9000];
    uint8_t expected[9000];
    for (uint32_t number = 0; number < 200; number++) {
        size_t size = number % 50 == 7 ? 9000 : (number % 10 == 3 ? 600 : 40);
        OK(bt_insert(tt.tree, key, make_key(key, number, 0), value,
                     make_value(value, number, size)));
    }
    BtCursor *cursor = NULL;
    BtBuf buf = {0};
    OK(bt_cursor_open(tt.tree, &cursor));
    /* unchanged leaf: every value, small, large and overflow */
    uint32_t count = 0;
    OK(bt_cursor_first(cursor));
    while (bt_cursor_valid(cursor)) {
        cursor_expect(cursor, count);
        OK(bt_cursor_value(cursor, &buf));
        size_t size = count % 50 == 7 ? 9000 : (count % 10 == 3 ? 600 : 40);
        ck_assert_uint_eq(buf.size, size);
        make_value(expected, count, size);
        MUST(memcmp(buf.data, expected, size) == 0);
        count++;
        OK(bt_cursor_next(cursor));
    }
    ck_assert_uint_eq(count, 200);
    /* the entry itself updated after the move: the new value */
    OK(bt_cursor_seek(cursor, key, make_key(key, 20, 0)));
    cursor_expect(cursor, 20);
    bool found = false;
    OK(bt_update(tt.tree, key, make_key(key, 20, 0), value, make_value(value, 999, 41), &found));
    MUST(found);
    OK(bt_cursor_value(cursor, &buf));
    ck_assert_uint_eq(buf.size, 41);
    make_value(expected, 999, 41);
    MUST(memcmp(buf.data, expected, 41) == 0);
    /* another entry of the leaf deleted: still this entry's value */
    OK(bt_cursor_next(cursor));
    cursor_expect(cursor, 21);
    OK(bt_delete(tt.tree, key, make_key(key, 22, 0), &found));
    MUST(found);
    OK(bt_cursor_value(cursor, &buf));
    ck_assert_uint_eq(buf.size, 40);
    make_value(expected, 21, 40);
    MUST(memcmp(buf.data, expected, 40) == 0);
    /* the entry deleted after the move: INVALID_CURSOR_STATE, and the cursor moves on */
    OK(bt_delete(tt.tree, key, make_key(key, 21, 0), &found));
    MUST(found);
    Error *err = bt_cursor_value(cursor, &buf);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "24000");
    err_free(err);
    OK(bt_cursor_next(cursor));
    cursor_expect(cursor, 23);
    OK(bt_cursor_value(cursor, &buf));
    make_value(expected, 23, 600);
    ck_assert_uint_eq(buf.size, 600);
    MUST(memcmp(buf.data, expected, 600) == 0);
    bt_buf_free(&buf);
    bt_cursor_close(cursor);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_cursor_moves_and_ranges)
{
    TestTree tt;
    tt_create(&tt, 0);
    uint8_t key[8];
    uint8_t value[300];
    /* even numbers 0..19998 */
    for (uint32_t number = 0; number < 20000; number += 2) {
        OK(bt_insert(tt.tree, key, make_key(key, number, 0), value, make_value(value, number, 150)));
    }
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(tt.tree, &cursor));
    OK(bt_cursor_first(cursor));
    cursor_expect(cursor, 0);
    OK(bt_cursor_last(cursor));
    cursor_expect(cursor, 19998);
    OK(bt_cursor_next(cursor));
    MUST(!bt_cursor_valid(cursor));
    /* full forward and backward scans */
    OK(bt_cursor_first(cursor));
    for (uint32_t number = 0; number < 20000; number += 2) {
        cursor_expect(cursor, number);
        if (number % 1000 == 0) {
            BtBuf buf = {0};
            OK(bt_cursor_value(cursor, &buf));
            ck_assert_uint_eq(buf.size, 150);
            make_value(value, number, 150);
            MUST(memcmp(buf.data, value, 150) == 0);
            bt_buf_free(&buf);
        }
        OK(bt_cursor_next(cursor));
    }
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_last(cursor));
    for (int number = 19998; number >= 0; number -= 2) {
        cursor_expect(cursor, (uint32_t)number);
        OK(bt_cursor_prev(cursor));
    }
    MUST(!bt_cursor_valid(cursor));
    /* seek to a missing key lands on the next one */
    OK(bt_cursor_seek(cursor, key, make_key(key, 1001, 0)));
    cursor_expect(cursor, 1002);
    OK(bt_cursor_prev(cursor));
    cursor_expect(cursor, 1000);
    /* [lo, hi) ranges */
    uint8_t lo[4];
    uint8_t hi[4];
    enc_u32be(lo, 101);
    enc_u32be(hi, 200);
    OK(bt_cursor_set_range(cursor, lo, 4, hi, 4));
    OK(bt_cursor_first(cursor));
    int seen = 0;
    for (uint32_t number = 102; number < 200; number += 2, seen++) {
        cursor_expect(cursor, number);
        OK(bt_cursor_next(cursor));
    }
    MUST(!bt_cursor_valid(cursor));
    ck_assert_int_eq(seen, 49);
    OK(bt_cursor_last(cursor));
    cursor_expect(cursor, 198);
    for (uint32_t number = 198; number >= 102; number -= 2) {
        cursor_expect(cursor, number);
        OK(bt_cursor_prev(cursor));
    }
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_seek(cursor, key, make_key(key, 50, 0)));   /* below lo: clamps to lo */
    cursor_expect(cursor, 102);
    OK(bt_cursor_seek(cursor, key, make_key(key, 300, 0)));  /* past hi */
    MUST(!bt_cursor_valid(cursor));
    /* empty ranges: lo == hi, and a range between two keys */
    OK(bt_cursor_set_range(cursor, lo, 4, lo, 4));
    OK(bt_cursor_first(cursor));
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_last(cursor));
    MUST(!bt_cursor_valid(cursor));
    enc_u32be(lo, 103);
    enc_u32be(hi, 104);
    OK(bt_cursor_set_range(cursor, lo, 4, hi, 4));
    OK(bt_cursor_first(cursor));
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_last(cursor));
    MUST(!bt_cursor_valid(cursor));
    /* a range past the end and one before the start */
    enc_u32be(lo, 30000);
    OK(bt_cursor_set_range(cursor, lo, 4, NULL, 0));
    OK(bt_cursor_first(cursor));
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_last(cursor));
    MUST(!bt_cursor_valid(cursor));
    OK(bt_cursor_set_range(cursor, NULL, 0, NULL, 0));
    OK(bt_cursor_last(cursor));
    cursor_expect(cursor, 19998);
    bt_cursor_close(cursor);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_cursor_survives_modification)
{
    TestTree tt;
    tt_create(&tt, 0);
    uint8_t key[8];
    uint8_t value[400];
    for (uint32_t number = 0; number < 4000; number += 4) {
        OK(bt_insert(tt.tree, key, make_key(key, number, 0), value, make_value(value, number, 100)));
    }
    static bool present[4100];
    static bool seen[4100];
    memset(present, 0, sizeof present);
    memset(seen, 0, sizeof seen);
    for (uint32_t number = 0; number < 4000; number += 4) present[number] = true;
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(tt.tree, &cursor));
    OK(bt_cursor_first(cursor));
    int step = 0;
    int64_t prev = -1;
    while (bt_cursor_valid(cursor)) {
        size_t cur_size = 0;
        uint32_t now = dec_u32be(bt_cursor_key(cursor, &cur_size));
        ck_assert_int_gt((int64_t)now, prev);
        MUST(present[now]);
        seen[now] = true;
        /* change the cursor's leaf behind its back: insert just after it (must be seen),
         * delete ahead (must not be seen), insert large values (splits) */
        if (now % 4 == 0 && now + 6 < 4000) {
            OK(bt_insert(tt.tree, key, make_key(key, now + 1, 0), value, 350));
            present[now + 1] = true;
            bool found = false;
            OK(bt_delete(tt.tree, key, make_key(key, now + 4, 0), &found));
            MUST(found == present[now + 4]);
            present[now + 4] = false;
            OK(bt_insert(tt.tree, key, make_key(key, now + 6, 0), value, 390));
            present[now + 6] = true;
        }
        OK(bt_cursor_next(cursor));
        prev = now;
        step++;
    }
    for (uint32_t number = 0; number < 4100; number++) {
        if (present[number]) ck_assert_msg(seen[number], "key %u not seen", number);
    }
    ck_assert_int_gt(step, 100);
    tt_check(&tt, NULL);
    /* prev across leaves while leaves change */
    OK(bt_cursor_last(cursor));
    size_t key_size = 0;
    uint32_t last = dec_u32be(bt_cursor_key(cursor, &key_size));
    int prev_count = 0;
    while (bt_cursor_valid(cursor)) {
        uint32_t now = dec_u32be(bt_cursor_key(cursor, &key_size));
        ck_assert_uint_le(now, last);
        last = now;
        bool found = false;
        if (prev_count % 3 == 0) OK(bt_delete(tt.tree, key, make_key(key, now, 0), &found));
        OK(bt_cursor_prev(cursor));
        if (bt_cursor_valid(cursor)) {
            ck_assert_uint_lt(dec_u32be(bt_cursor_key(cursor, &key_size)), now);
        }
        prev_count++;
    }
    ck_assert_int_gt(prev_count, 100);
    bt_cursor_close(cursor);
    tt_check(&tt, NULL);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_bulk_load)
{
    double fills[] = {0.5, 0.8, 1.0};
    for (size_t fill_idx = 0; fill_idx < 3; fill_idx++) {
        for (int count = 0; count < 60000; count = count == 0 ? 1 : count * 7) {
            TestTree tt;
            tt_create(&tt, 0);
            BtBulk *bulk = NULL;
            OK(bt_bulk_begin(tt.tree, fills[fill_idx], &bulk));
            uint8_t key[64];
            static uint8_t value[20000];
            for (int idx = 0; idx < count; idx++) {
                size_t value_size = idx % 500 == 7 ? 15000 : (size_t)(idx % 90);
                OK(bt_bulk_add(bulk, key, make_key_suffix(key, (uint32_t)idx * 3, (size_t)(idx % 20)),
                               value, make_value(value, (uint32_t)idx, value_size)));
            }
            OK(bt_bulk_finish(bulk));
            BtCheckStats stats;
            tt_check(&tt, &stats);
            ck_assert_uint_eq(stats.entry_count, (uint64_t)count);
            for (int idx = 0; idx < count; idx += 1 + count / 300) {
                size_t value_size = idx % 500 == 7 ? 15000 : (size_t)(idx % 90);
                size_t key_size = make_key_suffix(key, (uint32_t)idx * 3, (size_t)(idx % 20));
                expect_value(&tt, key, key_size, value,
                             make_value(value, (uint32_t)idx, value_size));
                expect_absent(&tt, key, make_key_suffix(key, (uint32_t)idx * 3 + 1, (size_t)(idx % 20)));
            }
            /* the loaded tree takes normal changes */
            for (int idx = 0; idx < count; idx += 2) {
                bool found = false;
                OK(bt_delete(tt.tree, key, make_key_suffix(key, (uint32_t)idx * 3, (size_t)(idx % 20)),
                             &found));
                MUST(found);
            }
            tt_check(&tt, NULL);
            /* a second bulk load into a non-empty tree is refused */
            if (count > 1) {
                Error *err = bt_bulk_begin(tt.tree, 1.0, &bulk);
                ck_assert_ptr_nonnull(err);
                ck_assert_int_eq(err->state, SQLSTATE_INVALID_PARAMETER_VALUE);
                err_free(err);
            }
            tt_destroy(&tt);
        }
    }
    /* keys not increasing; abort frees everything */
    TestTree tt;
    tt_create(&tt, 0);
    BtBulk *bulk = NULL;
    OK(bt_bulk_begin(tt.tree, 0.9, &bulk));
    uint8_t key[8];
    uint8_t value[100] = {0};
    for (uint32_t number = 0; number < 3000; number++) {
        OK(bt_bulk_add(bulk, key, make_key(key, number, 0), value, 100));
    }
    Error *err = bt_bulk_add(bulk, key, make_key(key, 5, 0), value, 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_INVALID_PARAMETER_VALUE);
    err_free(err);
    bt_bulk_abort(bulk);
    err = bt_bulk_begin(tt.tree, 0.2, &bulk);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, 0);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_key_size_limits)
{
    TestTree tt;
    tt_create(&tt, 0);
    static uint8_t key[BT_KEY_SIZE_MAX + 1];
    memset(key, 'k', sizeof key);
    Error *err = bt_insert(tt.tree, key, BT_KEY_SIZE_MAX + 1, key, 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "54000");
    err_free(err);
    BtBuf buf = {0};
    bool found = false;
    err = bt_get(tt.tree, key, BT_KEY_SIZE_MAX + 1, &buf, &found);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    err = bt_insert(tt.tree, key, 10, key, BT_VALUE_SIZE_MAX + 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    err_free(err);
    /* many maximal keys: inner pages of few entries, several levels */
    for (uint32_t number = 0; number < 400; number++) {
        enc_u32be(key + BT_KEY_SIZE_MAX - 4, number * 2654435761u);
        OK(bt_insert(tt.tree, key, BT_KEY_SIZE_MAX, key, number % 3 == 0 ? 900 : 5));
    }
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, 400);
    ck_assert_uint_ge(stats.height, 3);
    for (uint32_t number = 0; number < 400; number++) {
        enc_u32be(key + BT_KEY_SIZE_MAX - 4, number * 2654435761u);
        OK(bt_delete(tt.tree, key, BT_KEY_SIZE_MAX, &found));
        MUST(found);
    }
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.height, 1);
    /* the empty key is a valid key */
    OK(bt_insert(tt.tree, NULL, 0, (const uint8_t *)"e", 1));
    expect_value(&tt, NULL, 0, (const uint8_t *)"e", 1);
    bt_buf_free(&buf);
    tt_destroy(&tt);
}
END_TEST

START_TEST(test_bt_reopen_and_drop)
{
    TestTree tt;
    tt_create(&tt, 256 * 1024);   /* a small pool: pages are evicted and re-read */
    uint8_t key[40];
    static uint8_t value[30000];
    int count = 8000;
    for (int idx = 0; idx < count; idx++) {
        size_t value_size = idx % 1000 == 0 ? 25000 : (size_t)(idx % 300);
        OK(bt_insert(tt.tree, key, make_key(key, (uint32_t)idx, (size_t)(idx % 30)), value,
                     make_value(value, (uint32_t)idx, value_size)));
    }
    tt_check(&tt, NULL);
    tt_reopen(&tt);
    BtCheckStats stats;
    tt_check(&tt, &stats);
    ck_assert_uint_eq(stats.entry_count, (uint64_t)count);
    for (int idx = 0; idx < count; idx++) {
        size_t value_size = idx % 1000 == 0 ? 25000 : (size_t)(idx % 300);
        size_t key_size = make_key(key, (uint32_t)idx, (size_t)(idx % 30));
        expect_value(&tt, key, key_size, value, make_value(value, (uint32_t)idx, value_size));
    }
    /* a second tree, then drop the first: every one of its pages becomes free */
    PageId second = PAGE_ID_NONE;
    OK(bt_create(tt.store, &second));
    BTree *tree2 = NULL;
    OK(bt_open(tt.store, second, &tree2));
    OK(bt_insert(tree2, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1));
    bt_close(tree2);
    PageId roots[2] = {tt.root, second};
    OK(bt_check_store(tt.store, roots, 2));
    /* leaving the second tree out of the roots: its page is reported leaked */
    Error *err = bt_check_store(tt.store, roots, 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_INDEX_CORRUPTED);
    err_free(err);
    bt_close(tt.tree);
    tt.tree = NULL;
    OK(bt_drop(tt.store, tt.root));
    OK(bt_check_store(tt.store, &second, 1));
    StoreInfo info = store_info(tt.store);
    ck_assert_uint_eq(info.free_page_count, info.page_count - 2);
    OK(bt_open(tt.store, second, &tt.tree));
    tt.root = second;
    tt_destroy(&tt);
}
END_TEST


/* I/O errors in the middle of operations: every failed operation leaves the tree consistent
 * (the pages a change needs are pinned before the first modification). A pool of 16 frames
 * makes nearly every operation read (and write back) pages. */
START_TEST(test_bt_io_errors_leave_tree_consistent)
{
    TestTree tt;
    tt_create(&tt, 16 * PAGE_SIZE);
    enum { KEY_MAX = 3000 };
    static uint32_t versions[KEY_MAX];   /* 0: absent */
    memset(versions, 0, sizeof versions);
    uint8_t key[64];
    uint8_t value[400];
    uint64_t state = 77;
    int failures = 0;
    int op_count = (int)(20000 * test_scale());
    for (int op_idx = 0; op_idx < op_count; op_idx++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t number = (uint32_t)((state >> 33) % KEY_MAX);
        size_t key_size = make_key(key, number, (size_t)(number % 50));
        uint32_t version = versions[number] + 1;
        size_t value_size = make_value(value, number * 1000 + version, 20 + (state >> 20) % 350);
        if (op_idx % 7 == 3) {
            FaultKind kind = op_idx % 2 == 0 ? FAULT_READ_EIO : FAULT_WRITE_EIO;
            vfs_fault_inject(tt.vfs, NULL, kind, (state >> 40) % 3, 1);
        }
        Error *err = NULL;
        bool found = false;
        int pick = (int)((state >> 50) % 3);
        if (pick == 0 && versions[number] == 0) {
            err = bt_insert(tt.tree, key, key_size, value, value_size);
        } else if (pick == 1) {
            err = bt_update(tt.tree, key, key_size, value, value_size, &found);
        } else {
            err = bt_delete(tt.tree, key, key_size, &found);
        }
        vfs_fault_clear(tt.vfs);
        if (err != NULL) {
            ck_assert_msg(err->state == SQLSTATE_IO_ERROR, "%s %s", sqlstate_code(err->state),
                          err->message);
            err_free(err);
            failures++;
        }
        /* learn the real outcome: the old or the new state, nothing else */
        BtBuf buf = {0};
        OK(bt_get(tt.tree, key, key_size, &buf, &found));
        if (!found) {
            versions[number] = 0;
        } else {
            uint8_t expected[400];
            size_t expected_size = make_value(expected, number * 1000 + version, value_size);
            if (buf.size == expected_size && memcmp(buf.data, expected, buf.size) == 0) {
                versions[number] = version;
            } else {
                MUST(versions[number] != 0);   /* the old value is still there */
            }
        }
        bt_buf_free(&buf);
        if (op_idx % 2000 == 0) tt_check(&tt, NULL);
    }
    ck_assert_int_gt(failures, op_count / 2000);
    BtCheckStats stats;
    tt_check(&tt, &stats);
    uint64_t present = 0;
    for (int number = 0; number < KEY_MAX; number++) present += versions[number] != 0;
    ck_assert_uint_eq(stats.entry_count, present);
    tt_destroy(&tt);
}
END_TEST

static Suite *btree_suite(void)
{
    Suite *suite = suite_create("btree");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_bt_empty_tree);
    tcase_add_test(tcase, test_bt_splits_grow_height_root_fixed);
    tcase_add_test(tcase, test_bt_random_inserts_redistribute);
    tcase_add_test(tcase, test_bt_cursor_value_after_leaf_changes);
    tcase_add_test(tcase, test_bt_duplicate_insert_23505);
    tcase_add_test(tcase, test_bt_update_grow_shrink_and_patch);
    tcase_add_test(tcase, test_bt_delete_everything_merges_and_reuses_pages);
    tcase_add_test(tcase, test_bt_overflow_values);
    tcase_add_test(tcase, test_bt_cursor_moves_and_ranges);
    tcase_add_test(tcase, test_bt_cursor_survives_modification);
    tcase_add_test(tcase, test_bt_bulk_load);
    tcase_add_test(tcase, test_bt_key_size_limits);
    tcase_add_test(tcase, test_bt_reopen_and_drop);
    tcase_add_test(tcase, test_bt_io_errors_leave_tree_consistent);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(btree_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
