/* storage/tests/test_corruption.c: bytes flipped on disk in every page type give errors, never
 * crashes or wrong answers.
 *
 * A store is built with a B+ tree of several levels (root and other inner pages, leaves),
 * overflow chains and free pages, closed cleanly and saved. For each victim page (page 0, the
 * root, another inner page, leaves, overflow pages, free pages) and several byte offsets the
 * pristine image is loaded, bits are flipped with vfs_fault_corrupt, the store is reopened and
 * used: point gets, full scans in both directions, bt_check, bt_check_store, inserts. Every
 * failure must be DATA_CORRUPTED (XX001) from the checksum; every value that is returned must
 * be the right one, and the entries on pages that were not corrupted must still be readable.
 * A second test damages the structure of pages behind a valid checksum (through an mtr): the
 * tree code's own validation gives XX001 and bt_check gives XX002. Run under ASan in CI. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/btree_int.h"
#include "storage/store.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) ck_abort_msg("%s: %s", #expr, err_ok_->message);         \
    } while (0)

enum { ENTRY_COUNT = 3000, BIG_EVERY = 250, BIG_SIZE = 20000, KEY_PREFIX = 200, KEY_SIZE = 204 };

static const char *DB_PATH = "corrupt.birch";

static size_t make_key(uint8_t *key, uint32_t number)
{
    memset(key, 'c', KEY_PREFIX);
    enc_u32be(key + KEY_PREFIX, number);
    return KEY_SIZE;
}

static size_t value_size_of(uint32_t number)
{
    return number % BIG_EVERY == 3 ? BIG_SIZE : 40 + number % 150;
}

static size_t make_value(uint8_t *value, uint32_t number)
{
    size_t size = value_size_of(number);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value[byte_idx] = (uint8_t)(number * 7 + byte_idx);
    }
    return size;
}

static bool value_ok(const BtBuf *buf, uint32_t number)
{
    static uint8_t expected[BIG_SIZE];
    size_t size = make_value(expected, number);
    return buf->size == size && memcmp(buf->data, expected, size) == 0;
}

typedef struct Victims {
    PageId root;
    PageId inner[4];
    int    inner_count;
    PageId leaf[4];
    int    leaf_count;
    PageId overflow[4];
    int    overflow_count;
    PageId free_page[4];
    int    free_count;
} Victims;

static void build(Vfs *vfs, Victims *victims, const char *image_path)
{
    StoreOptions options = {.vfs = vfs, .create = true};
    Store *store = NULL;
    OK(store_open(DB_PATH, &options, &store));
    PageId root = PAGE_ID_NONE;
    OK(bt_create(store, &root));
    Mtr mtr;
    mtr_begin(&mtr, store);
    store_root_set(&mtr, 2, root);
    OK(mtr_commit(&mtr));
    BTree *tree = NULL;
    OK(bt_open(store, root, &tree));
    static uint8_t value[BIG_SIZE];
    uint8_t key[KEY_SIZE];
    for (uint32_t number = 0; number < ENTRY_COUNT + 400; number++) {
        OK(bt_insert(tree, key, make_key(key, number), value, make_value(value, number)));
    }
    /* free pages: delete the extra entries (a range of leaves merges away) */
    for (uint32_t number = ENTRY_COUNT; number < ENTRY_COUNT + 400; number++) {
        bool found = false;
        OK(bt_delete(tree, key, make_key(key, number), &found));
        ck_assert(found);
    }
    BtCheckStats stats;
    OK(bt_check(tree, &stats));
    ck_assert_uint_ge(stats.height, 3);
    OK(bt_check_store(store, &root, 1));
    memset(victims, 0, sizeof *victims);
    victims->root = root;
    BufPool *pool = store_pool(store);
    uint32_t page_count = store_info(store).page_count;
    for (PageId page_id = 1; page_id < page_count; page_id++) {
        Frame *frame = NULL;
        OK(bt_read_pin(pool, page_id, &frame));
        PageType type = page_type(bp_data(frame));
        bool is_root = page_id == root;
        bt_read_unpin(pool, frame);
        if (type == PAGE_TYPE_BT_INNER && !is_root && victims->inner_count < 4) {
            victims->inner[victims->inner_count++] = page_id;
        } else if (type == PAGE_TYPE_BT_LEAF && victims->leaf_count < 4 && page_id % 3 == 0) {
            victims->leaf[victims->leaf_count++] = page_id;
        } else if (type == PAGE_TYPE_OVERFLOW && victims->overflow_count < 4 && page_id % 2 == 0) {
            victims->overflow[victims->overflow_count++] = page_id;
        } else if (type == PAGE_TYPE_FREE && victims->free_count < 4) {
            victims->free_page[victims->free_count++] = page_id;
        }
    }
    ck_assert_int_ge(victims->inner_count, 1);
    ck_assert_int_ge(victims->leaf_count, 2);
    ck_assert_int_ge(victims->overflow_count, 2);
    ck_assert_int_ge(victims->free_count, 1);
    bt_close(tree);
    OK(store_close(store));
    OK(vfs_fault_save(vfs, DB_PATH, image_path));
}

static void expect_corrupt(Error *err, const char *what)
{
    ck_assert_msg(err != NULL, "%s: expected an error", what);
    ck_assert_msg(err->state == SQLSTATE_DATA_CORRUPTED || err->state == SQLSTATE_INDEX_CORRUPTED,
                  "%s: unexpected %s %s", what, sqlstate_code(err->state), err->message);
    err_free(err);
}

/* exercise: use the damaged store; returns how many gets failed. Every error is XX001/XX002. */
static int exercise(Store *store, PageId root, bool strict, int *ok_count_out)
{
    BTree *tree = NULL;
    Error *err = bt_open(store, root, &tree);
    if (err != NULL) {
        expect_corrupt(err, "bt_open");
        *ok_count_out = 0;
        return ENTRY_COUNT;
    }
    int failed = 0;
    int ok_count = 0;
    BtBuf buf = {0};
    uint8_t key[KEY_SIZE];
    for (uint32_t number = 0; number < ENTRY_COUNT; number++) {
        bool found = false;
        err = bt_get(tree, key, make_key(key, number), &buf, &found);
        if (err != NULL) {
            expect_corrupt(err, "bt_get");
            failed++;
            continue;
        }
        /* a checksum makes a wrong answer impossible: found means the right value */
        if (strict) {
            ck_assert_msg(found, "key %u silently missing", number);
            ck_assert_msg(value_ok(&buf, number), "key %u has a wrong value", number);
        }
        ok_count++;
    }
    for (int direction = 0; direction < 2; direction++) {
        BtCursor *cursor = NULL;
        OK(bt_cursor_open(tree, &cursor));
        err = direction == 0 ? bt_cursor_first(cursor) : bt_cursor_last(cursor);
        int64_t last = direction == 0 ? -1 : ENTRY_COUNT;
        for (int step = 0; err == NULL && bt_cursor_valid(cursor) && step < 2 * ENTRY_COUNT;
             step++) {
            size_t key_size = 0;
            const uint8_t *cursor_key = bt_cursor_key(cursor, &key_size);
            if (strict) ck_assert_uint_eq(key_size, KEY_SIZE);
            int64_t number = key_size == KEY_SIZE ? dec_u32be(cursor_key + KEY_PREFIX) : 0;
            if (strict) ck_assert(direction == 0 ? number > last : number < last);
            last = number;
            err = bt_cursor_value(cursor, &buf);
            if (err != NULL) break;
            if (strict) ck_assert(value_ok(&buf, (uint32_t)number));
            err = direction == 0 ? bt_cursor_next(cursor) : bt_cursor_prev(cursor);
        }
        if (err != NULL) expect_corrupt(err, "scan");
        bt_cursor_close(cursor);
    }
    err = bt_check(tree, NULL);
    if (err != NULL) expect_corrupt(err, "bt_check");
    /* writes on the damaged tree: errors, never crashes */
    static uint8_t value[BIG_SIZE];
    for (uint32_t number = ENTRY_COUNT; number < ENTRY_COUNT + 200; number++) {
        err = bt_insert(tree, key, make_key(key, number), value, make_value(value, number));
        if (err != NULL) expect_corrupt(err, "bt_insert");
    }
    for (uint32_t number = 0; number < ENTRY_COUNT; number += 5) {
        bool found = false;
        err = bt_delete(tree, key, make_key(key, number), &found);
        if (err != NULL) expect_corrupt(err, "bt_delete");
    }
    bt_close(tree);
    bt_buf_free(&buf);
    *ok_count_out = ok_count;
    return failed;
}

static void corrupt_and_use(Vfs *vfs, const char *image_path, PageId victim, uint32_t offset,
                            PageId root, bool is_free)
{
    OK(vfs_fault_load(vfs, DB_PATH, image_path));
    OK(vfs_fault_corrupt(vfs, DB_PATH, (uint64_t)victim * PAGE_SIZE + offset, 0x5A));
    StoreOptions options = {.vfs = vfs};
    Store *store = NULL;
    Error *err = store_open(DB_PATH, &options, &store);
    if (victim == 0) {
        ck_assert_msg(err != NULL, "a corrupt page 0 was accepted");
        ck_assert_str_eq(sqlstate_code(err->state), "XX001");
        err_free(err);
        return;
    }
    ck_assert_msg(err == NULL, "open: %s", err ? err->message : "");
    if (is_free) {
        err = bt_check_store(store, &root, 1);
        expect_corrupt(err, "check_store of a corrupt free page");
    }
    int ok_count = 0;
    int failed = exercise(store, root, true, &ok_count);
    if (victim == root) {
        ck_assert_int_eq(failed, ENTRY_COUNT);
    } else if (!is_free) {
        /* the damage is seen, and only where it is */
        ck_assert_msg(failed > 0, "corruption of page %u went unnoticed", victim);
        ck_assert_msg(ok_count > ENTRY_COUNT / 4, "page %u: only %d entries readable", victim,
                      ok_count);
    } else {
        ck_assert_int_eq(failed, 0);
    }
    /* the damaged page stays damaged: closing may fail to write nothing else wrong */
    err = store_close(store);
    if (err != NULL) err_free(err);
}

START_TEST(test_bt_corruption_every_page_type)
{
    Vfs *vfs = vfs_fault_create(11);
    char image_path[64];
    snprintf(image_path, sizeof image_path, "/tmp/birch-corrupt-%d.img", (int)getpid());
    Victims victims;
    build(vfs, &victims, image_path);
    uint32_t offsets[] = {PAGE_OFFSET_TYPE, 4000, 30, 200, PAGE_SIZE - 1};
    const char *scale_text = getenv("BIRCH_TEST_SCALE");
    size_t offset_count = scale_text != NULL && atof(scale_text) < 1.0 ? 2 : 5;
    for (size_t offset_idx = 0; offset_idx < offset_count; offset_idx++) {
        uint32_t offset = offsets[offset_idx];
        corrupt_and_use(vfs, image_path, 0, offset < 144 ? offset : 100, victims.root, false);
        corrupt_and_use(vfs, image_path, victims.root, offset, victims.root, false);
        for (int idx = 0; idx < victims.inner_count; idx++) {
            corrupt_and_use(vfs, image_path, victims.inner[idx], offset, victims.root, false);
        }
        for (int idx = 0; idx < victims.leaf_count; idx++) {
            corrupt_and_use(vfs, image_path, victims.leaf[idx], offset, victims.root, false);
        }
        for (int idx = 0; idx < victims.overflow_count; idx++) {
            corrupt_and_use(vfs, image_path, victims.overflow[idx], offset, victims.root, false);
        }
        for (int idx = 0; idx < victims.free_count; idx++) {
            corrupt_and_use(vfs, image_path, victims.free_page[idx], offset, victims.root, true);
        }
    }
    unlink(image_path);
    vfs_fault_destroy(vfs);
}
END_TEST

/* damage: overwrite bytes of a page through an mtr (so the checksum stays valid). */
static void damage(Store *store, PageId page_id, uint16_t offset, const void *bytes, size_t size)
{
    Mtr mtr;
    mtr_begin(&mtr, store);
    Frame *frame = NULL;
    OK(mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame));
    mtr_log_bytes(&mtr, frame, offset, bytes, size);
    OK(mtr_commit(&mtr));
}

START_TEST(test_bt_structure_damage_behind_valid_checksums)
{
    Vfs *vfs = vfs_fault_create(12);
    char image_path[64];
    snprintf(image_path, sizeof image_path, "/tmp/birch-structure-%d.img", (int)getpid());
    Victims victims;
    build(vfs, &victims, image_path);
    for (int scenario = 0; scenario < 6; scenario++) {
        OK(vfs_fault_load(vfs, DB_PATH, image_path));
        StoreOptions options = {.vfs = vfs};
        Store *store = NULL;
        OK(store_open(DB_PATH, &options, &store));
        PageId leaf = victims.leaf[0];
        PageId inner = victims.inner[0];
        uint8_t bytes[8];
        switch (scenario) {
        case 0: { /* swap two slots of a leaf: keys out of order */
            Frame *frame = NULL;
            OK(bt_read_pin(store_pool(store), leaf, &frame));
            memcpy(bytes, bp_data(frame) + BT_HEADER_SIZE + 2, 2);
            memcpy(bytes + 2, bp_data(frame) + BT_HEADER_SIZE, 2);
            bt_read_unpin(store_pool(store), frame);
            damage(store, leaf, BT_HEADER_SIZE, bytes, 4);
            break;
        }
        case 1: /* a slot pointing outside the page */
            enc_u16le(bytes, PAGE_SIZE - 3);
            damage(store, leaf, BT_HEADER_SIZE + 4, bytes, 2);
            break;
        case 2: /* a huge cell count */
            enc_u16le(bytes, 60000);
            damage(store, inner, BT_OFFSET_CELL_COUNT, bytes, 2);
            break;
        case 3: /* a child pointer to page 0 */
            enc_u32le(bytes, 0);
            damage(store, inner, BT_OFFSET_LEFTMOST, bytes, 4);
            break;
        case 4: /* a broken leaf link */
            enc_u32le(bytes, victims.leaf[1]);
            damage(store, leaf, BT_OFFSET_RIGHT, bytes, 4);
            break;
        default: /* an inner page that claims to be a leaf */
            bytes[0] = 0;
            damage(store, inner, BT_OFFSET_LEVEL, bytes, 1);
            break;
        }
        BTree *tree = NULL;
        OK(bt_open(store, victims.root, &tree));
        Error *err = bt_check(tree, NULL);
        ck_assert_msg(err != NULL, "scenario %d: bt_check found nothing", scenario);
        ck_assert_msg(err->state == SQLSTATE_INDEX_CORRUPTED, "scenario %d: %s %s", scenario,
                      sqlstate_code(err->state), err->message);
        err_free(err);
        bt_close(tree);
        int ok_count = 0;
        (void)exercise(store, victims.root, false, &ok_count);
        err = store_close(store);
        if (err != NULL) err_free(err);
    }
    unlink(image_path);
    vfs_fault_destroy(vfs);
}
END_TEST

static Suite *corruption_suite(void)
{
    Suite *suite = suite_create("btree_corruption");
    TCase *tcase = tcase_create("corruption");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_bt_corruption_every_page_type);
    tcase_add_test(tcase, test_bt_structure_damage_behind_valid_checksums);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(corruption_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
