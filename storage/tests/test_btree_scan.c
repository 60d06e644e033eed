/* storage/tests/test_btree_scan.c: page-at-a-time leaf scans (bt_leaf_scan_*, added by perf):
 * whole trees and [lo, hi) ranges against the expected keys, overflow values handed out as
 * NULL with their size, the empty tree, a bound over the key limit, and changes between calls
 * (splits ahead of the scan, merges, deletes and inserts everywhere) never losing or repeating
 * a key that was present throughout, with keys strictly increasing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/store.h"
#include "storage/tests/scan_harness.h"

/* Keys are 4-byte big-endian ids (memcmp order = numeric order). */
static void key_of(uint32_t id, uint8_t key[4]) { enc_u32be(key, id); }

static void put(ScanDb *db, uint32_t id, size_t value_size)
{
    uint8_t key[4];
    key_of(id, key);
    uint8_t *value = malloc(value_size + 1);
    for (size_t idx = 0; idx < value_size; idx++) value[idx] = (uint8_t)(id + idx);
    OK(bt_insert(db->tree, key, 4, value, value_size));
    free(value);
}

static void del(ScanDb *db, uint32_t id)
{
    uint8_t key[4];
    key_of(id, key);
    bool found = false;
    OK(bt_delete(db->tree, key, 4, &found));
    MUST(found);
}

/* scan_all: every id the scan of [lo, hi) hands out (ids_out malloc'd), checking order. */
static size_t scan_all(ScanDb *db, const uint8_t *lo, size_t lo_size, const uint8_t *hi,
                       size_t hi_size, uint32_t **ids_out)
{
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db->tree, lo, lo_size, hi, hi_size, &scan));
    size_t count = 0, capacity = 1024;
    uint32_t *ids = malloc(capacity * sizeof *ids);
    for (;;) {
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        OK(bt_leaf_scan_next(scan, &entries, &entry_count));
        if (entry_count == 0) break;
        for (size_t idx = 0; idx < entry_count; idx++) {
            MUST(entries[idx].key_size == 4);
            uint32_t id = dec_u32be(entries[idx].key);
            MUST(count == 0 || id > ids[count - 1]);
            if (entries[idx].value != NULL) {
                for (size_t byte = 0; byte < entries[idx].value_size; byte++) {
                    MUST(entries[idx].value[byte] == (uint8_t)(id + byte));
                }
            }
            if (count == capacity) ids = realloc(ids, (capacity *= 2) * sizeof *ids);
            ids[count++] = id;
        }
    }
    /* further calls stay at the end */
    const BtLeafEntry *entries = NULL;
    size_t entry_count = 1;
    OK(bt_leaf_scan_next(scan, &entries, &entry_count));
    MUST(entry_count == 0);
    bt_leaf_scan_close(scan);
    *ids_out = ids;
    return count;
}

START_TEST(test_leaf_scan_empty_and_limits)
{
    ScanDb db;
    scan_db_open(&db, "scan.birch", 5);
    uint32_t *ids = NULL;
    MUST(scan_all(&db, NULL, 0, NULL, 0, &ids) == 0);
    free(ids);
    uint8_t big[BT_KEY_SIZE_MAX + 1] = {0};
    BtLeafScan *scan = NULL;
    Error *err = bt_leaf_scan_open(db.tree, big, sizeof big, NULL, 0, &scan);
    MUST(err != NULL && err->state == SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    err_free(err);
    scan_db_close(&db);
}
END_TEST

START_TEST(test_leaf_scan_whole_and_ranges)
{
    ScanDb db;
    scan_db_open(&db, "scan.birch", 5);
    uint32_t count = (uint32_t)(6000 * scan_harness_scale()) + 100;
    for (uint32_t id = 0; id < count; id++) put(&db, id * 3, id % 97 == 0 ? 5000 : 24);
    uint32_t *ids = NULL;
    size_t got = scan_all(&db, NULL, 0, NULL, 0, &ids);
    MUST(got == count);
    for (uint32_t idx = 0; idx < count; idx++) MUST(ids[idx] == idx * 3);
    free(ids);
    /* overflow values come as NULL with their size */
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db.tree, NULL, 0, NULL, 0, &scan));
    const BtLeafEntry *entries = NULL;
    size_t entry_count = 0;
    OK(bt_leaf_scan_next(scan, &entries, &entry_count));
    MUST(entry_count > 0 && entries[0].value == NULL && entries[0].value_size == 5000);
    MUST(entry_count > 1 && entries[1].value != NULL && entries[1].value_size == 24);
    bt_leaf_scan_close(scan);
    /* ranges: [lo, hi) with bounds on, between and outside keys */
    uint32_t bounds[][2] = {{0, 30}, {1, 2}, {31, 3000}, {count * 3 - 5, count * 3 + 10},
                            {500, 500}, {count * 10, count * 20}, {7, count * 3}};
    for (size_t case_idx = 0; case_idx < sizeof bounds / sizeof bounds[0]; case_idx++) {
        uint8_t lo[4], hi[4];
        key_of(bounds[case_idx][0], lo);
        key_of(bounds[case_idx][1], hi);
        got = scan_all(&db, lo, 4, hi, 4, &ids);
        size_t expected = 0;
        for (uint32_t id = 0; id < count; id++) {
            uint32_t key = id * 3;
            if (key >= bounds[case_idx][0] && key < bounds[case_idx][1]) {
                MUST(expected < got && ids[expected] == key);
                expected++;
            }
        }
        MUST(got == expected);
        free(ids);
    }
    /* only lo, only hi */
    uint8_t mid[4];
    key_of(count * 3 / 2, mid);
    size_t above = scan_all(&db, mid, 4, NULL, 0, &ids);
    free(ids);
    size_t below = scan_all(&db, NULL, 0, mid, 4, &ids);
    free(ids);
    MUST(above + below == count && above > 0 && below > 0);
    scan_db_close(&db);
}
END_TEST

/* Changes between calls: every key present from open to end is handed out exactly once. */
START_TEST(test_leaf_scan_concurrent_changes)
{
    ScanDb db;
    scan_db_open(&db, "scan.birch", 5);
    uint32_t count = (uint32_t)(8000 * scan_harness_scale()) + 200;
    uint32_t id_max = count * 4;
    uint8_t *present = calloc(id_max + 1, 1);     /* 1 present now, 2 present throughout */
    for (uint32_t id = 0; id < count; id++) {
        put(&db, id * 4, 40);
        present[id * 4] = 2;
    }
    unsigned seed = 9;
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db.tree, NULL, 0, NULL, 0, &scan));
    uint8_t *seen = calloc(id_max + 1, 1);
    uint32_t last = 0;
    bool any = false;
    for (;;) {
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        OK(bt_leaf_scan_next(scan, &entries, &entry_count));
        if (entry_count == 0) break;
        for (size_t idx = 0; idx < entry_count; idx++) {
            uint32_t id = dec_u32be(entries[idx].key);
            MUST(!any || id > last);
            MUST(!seen[id]);
            seen[id] = 1;
            last = id;
            any = true;
        }
        /* between calls: a burst of inserts just ahead (splits), deletes of keys anywhere
         * (merges), inserts behind */
        for (int change = 0; change < 60; change++) {
            uint32_t id;
            int kind = rand_r(&seed) % 3;
            if (kind == 0) {
                id = last + 1 + (uint32_t)(rand_r(&seed) % 200);
            } else {
                id = (uint32_t)(rand_r(&seed) % id_max);
            }
            if (id > id_max) continue;
            if (present[id] != 0 && kind != 0) {
                del(&db, id);
                present[id] = 0;
            } else if (present[id] == 0) {
                put(&db, id, 40);
                present[id] = 1;
            }
        }
    }
    bt_leaf_scan_close(scan);
    for (uint32_t id = 0; id <= id_max; id++) {
        if (present[id] == 2) MUST(seen[id]);
    }
    free(seen);
    free(present);
    scan_db_close(&db);
}
END_TEST

static Suite *scan_suite(void)
{
    Suite *suite = suite_create("btree_scan");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_leaf_scan_empty_and_limits);
    tcase_add_test(tcase, test_leaf_scan_whole_and_ranges);
    tcase_add_test(tcase, test_leaf_scan_concurrent_changes);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(scan_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
