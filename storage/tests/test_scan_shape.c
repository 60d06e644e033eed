/* storage/tests/test_scan_shape.c: bt_leaf_scan_shape (scanpath, session 6), the record shape
 * found in the leaf pass of bt_leaf_scan_next_plain: checked on every leaf against the test's
 * own statement of it (uniform iff the leaf is all plain, every record holds at least
 * ROW_HEADER_SIZE + 8 bytes and all share one column count; then the column count, the
 * shortest record and the OR of the 8 bytes after the header), over trees whose leaves mix
 * column counts, short records, writers above the bound, delete marks, overflow values and
 * NULL-bitmap patterns; a range scan's shape covers only the entries handed out; and a scan
 * without a bound (bt_leaf_scan_next) never reports a shape. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/bufpool.h"
#include "storage/row.h"
#include "storage/store.h"
#include "storage/tests/scan_harness.h"

/* The record of id: mode picks what breaks the shape in some id ranges. */
typedef enum Mode {
    MODE_UNIFORM,       /* 5 columns, 40 bytes, NULL bits from id */
    MODE_MIXED,         /* ids % 997 == 0 have 6 columns */
    MODE_SHORT,         /* ids % 991 == 0 are 26 bytes (header + 6) */
    MODE_NEW_WRITER,    /* ids % 983 == 0 have writer xid 1000 (above the bound) */
    MODE_DELETED,       /* ids % 977 == 0 carry a delete mark */
    MODE_OVERFLOW,      /* ids % 971 == 0 are 6000 bytes (out of line) */
    MODE_COUNT,
} Mode;

static size_t value_of(uint32_t id, Mode mode, uint8_t *out)
{
    size_t size = 40 + id % 7;
    if (mode == MODE_SHORT && id % 991 == 0) size = ROW_HEADER_SIZE + 6;
    if (mode == MODE_OVERFLOW && id % 971 == 0) size = 6000;
    for (size_t idx = 0; idx < size; idx++) out[idx] = (uint8_t)(id * 31 + idx * 7);
    uint16_t columns = mode == MODE_MIXED && id % 997 == 0 ? 6 : 5;
    uint64_t xid = mode == MODE_NEW_WRITER && id % 983 == 0 ? 1000 : 10 + id % 50;
    uint64_t delete_xid = mode == MODE_DELETED && id % 977 == 0 ? 9 : ROW_XID_NONE;
    enc_u64le(out + ROW_HEADER_XID_OFFSET, xid);
    enc_u64le(out + ROW_HEADER_DELETE_XID_OFFSET, delete_xid);
    out[ROW_HEADER_FLAGS_OFFSET] = 0;
    out[ROW_HEADER_FORMAT_OFFSET] = ROW_FORMAT_V1;
    enc_u16le(out + ROW_HEADER_COLUMN_COUNT_OFFSET, columns);
    /* the NULL bitmap byte: most rows none, some rows one of the 5 columns */
    out[ROW_HEADER_SIZE] = id % 37 == 0 ? (uint8_t)(1u << (id % 5)) : 0;
    return size;
}

static void fill(ScanDb *db, Mode mode, uint32_t count)
{
    static uint8_t value[6000];
    for (uint32_t id = 0; id < count; id++) {
        uint8_t key[4];
        enc_u32be(key, id);
        size_t size = value_of(id, mode, value);
        OK(bt_insert(db->tree, key, 4, value, size));
    }
}

/* expected_shape: the test's own statement of the shape of entries (all handed out by one call
 * with bound). */
static BtRowShape expected_shape(const BtLeafEntry *entries, size_t count, uint64_t bound)
{
    BtRowShape shape = {0};
    if (count == 0 || bound == 0) return shape;
    uint32_t min_size = UINT32_MAX;
    uint8_t nulls[BT_ROW_SHAPE_NULL_BYTES] = {0};
    uint16_t columns = 0;
    for (size_t idx = 0; idx < count; idx++) {
        const BtLeafEntry *entry = &entries[idx];
        if (entry->value == NULL || entry->value_size < ROW_HEADER_SIZE + BT_ROW_SHAPE_NULL_BYTES) {
            return shape;
        }
        uint64_t xid = dec_u64le(entry->value + ROW_HEADER_XID_OFFSET);
        if (xid == 0 || xid >= bound) return shape;
        if (dec_u64le(entry->value + ROW_HEADER_DELETE_XID_OFFSET) != ROW_XID_NONE) return shape;
        if (entry->value[ROW_HEADER_FORMAT_OFFSET] != ROW_FORMAT_V1) return shape;
        uint16_t entry_columns = dec_u16le(entry->value + ROW_HEADER_COLUMN_COUNT_OFFSET);
        if (idx > 0 && entry_columns != columns) return shape;
        columns = entry_columns;
        if (entry->value_size < min_size) min_size = entry->value_size;
        for (int byte = 0; byte < BT_ROW_SHAPE_NULL_BYTES; byte++) {
            nulls[byte] |= entry->value[ROW_HEADER_SIZE + byte];
        }
    }
    shape.uniform = true;
    shape.column_count = columns;
    shape.record_size_min = min_size;
    memcpy(shape.nulls, nulls, sizeof nulls);
    return shape;
}

/* scan_shapes: scan [lo, hi) with bound, checking every leaf's shape; counts uniform and
 * non-uniform leaves. */
static void scan_shapes(ScanDb *db, uint64_t bound, const uint8_t *lo, size_t lo_size,
                        const uint8_t *hi, size_t hi_size, size_t *uniform_out,
                        size_t *other_out)
{
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db->tree, lo, lo_size, hi, hi_size, &scan));
    *uniform_out = 0;
    *other_out = 0;
    for (int leaf = 0; leaf < 100000; leaf++) {
        const BtLeafEntry *entries = NULL;
        size_t count = 0;
        bool all_plain = false;
        if (bound > 0) {
            OK(bt_leaf_scan_next_plain(scan, bound, &entries, &count, &all_plain));
        } else {
            OK(bt_leaf_scan_next(scan, &entries, &count));
        }
        BtRowShape shape;
        bt_leaf_scan_shape(scan, &shape);
        if (count == 0) {
            MUST(!shape.uniform);
            break;
        }
        BtRowShape want = expected_shape(entries, count, bound);
        MUST(shape.uniform == want.uniform);
        if (want.uniform) {
            MUST(all_plain);
            MUST(shape.column_count == want.column_count);
            MUST(shape.record_size_min == want.record_size_min);
            MUST(memcmp(shape.nulls, want.nulls, sizeof want.nulls) == 0);
            (*uniform_out)++;
        } else {
            (*other_out)++;
        }
    }
    bt_leaf_scan_close(scan);
}

START_TEST(test_bt_leaf_scan_shape_matches_rule)
{
    uint32_t count = (uint32_t)(20000 * scan_harness_scale());
    if (count < 3000) count = 3000;
    for (int mode = 0; mode < MODE_COUNT; mode++) {
        ScanDb db;
        scan_db_open(&db, "shape.birch", 17);
        fill(&db, (Mode)mode, count);
        size_t uniform = 0, other = 0;
        scan_shapes(&db, 100, NULL, 0, NULL, 0, &uniform, &other);
        MUST(uniform > 0);                      /* most leaves keep their shape */
        if (mode != MODE_UNIFORM) MUST(other > 0);
        else MUST(other == 0);
        /* a bound at or below the writers: no leaf is plain, so none has a shape */
        scan_shapes(&db, 10, NULL, 0, NULL, 0, &uniform, &other);
        MUST(uniform == 0);
        /* no bound (bt_leaf_scan_next): never a shape */
        scan_shapes(&db, 0, NULL, 0, NULL, 0, &uniform, &other);
        MUST(uniform == 0);
        /* a range that starts and stops inside leaves: the shape of what is handed out */
        uint8_t lo[4], hi[4];
        enc_u32be(lo, count / 3 + 1);
        enc_u32be(hi, count / 3 + 150);
        scan_shapes(&db, 100, lo, 4, hi, 4, &uniform, &other);
        MUST(uniform + other > 0);
        scan_db_close(&db);
    }
}
END_TEST

static Suite *scan_shape_suite(void)
{
    Suite *suite = suite_create("scan_shape");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_bt_leaf_scan_shape_matches_rule);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(scan_shape_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
