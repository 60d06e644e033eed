/* storage/tests/test_scan_uniform.c: the uniform-leaf pass of bt_leaf_scan_next_plain (scan7,
 * btree_scan.c uniform_cells): leaves whose cells all share one header (key size, value size,
 * flags 0) and hold plain records of one column count are handed out by a cheaper pass, every
 * other leaf by the general one. Checked leaf by leaf against a scan without a bound (the
 * general pass only) in lockstep: the same entries (keys, sizes, value bytes), all_plain and the
 * shape as the test states them, over trees where single records break uniformity in every way
 * the pass compares (column count, value size, key size, writer above the bound, xid 0, delete
 * mark, format byte) or must ignore (the record's flags byte, NULL bits); a range starting
 * inside a leaf; and corrupt slots and cell headers in a uniform leaf reported as
 * DATA_CORRUPTED by both passes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/btree_int.h"
#include "storage/bufpool.h"
#include "storage/page.h"
#include "storage/row.h"
#include "storage/store.h"
#include "storage/tests/scan_harness.h"

enum { VALUE_SIZE = 40, COLUMNS = 5, BOUND = 100 };

/* Breakers: what the record of a chosen id does differently. */
typedef enum Odd {
    ODD_NONE,
    ODD_COLUMNS,        /* column count 6, same size */
    ODD_SIZE,           /* 48 bytes */
    ODD_KEY,            /* a 9-byte key */
    ODD_NEW_WRITER,     /* writer xid 1000 (above the bound) */
    ODD_XID_ZERO,
    ODD_DELETED,        /* delete mark */
    ODD_FORMAT,         /* format byte 2 */
    ODD_FLAGS,          /* the record's flags byte set: still uniform */
    ODD_COUNT,
} Odd;

static size_t value_of(uint32_t id, Odd odd, uint8_t *out)
{
    size_t size = odd == ODD_SIZE ? 48 : VALUE_SIZE;
    for (size_t idx = 0; idx < size; idx++) out[idx] = (uint8_t)(id * 13 + idx * 5);
    uint64_t xid = 10 + id % 60;
    if (odd == ODD_NEW_WRITER) xid = 1000;
    if (odd == ODD_XID_ZERO) xid = 0;
    enc_u64le(out + ROW_HEADER_XID_OFFSET, xid);
    enc_u64le(out + ROW_HEADER_DELETE_XID_OFFSET, odd == ODD_DELETED ? 7 : ROW_XID_NONE);
    out[ROW_HEADER_FLAGS_OFFSET] = odd == ODD_FLAGS ? 0x5a : 0;
    out[ROW_HEADER_FORMAT_OFFSET] = odd == ODD_FORMAT ? 2 : ROW_FORMAT_V1;
    enc_u16le(out + ROW_HEADER_COLUMN_COUNT_OFFSET, odd == ODD_COLUMNS ? 6 : COLUMNS);
    /* the NULL bitmap byte: some rows have one of the 5 columns NULL */
    out[ROW_HEADER_SIZE] = id % 41 == 0 ? (uint8_t)(1u << (id % 5)) : 0;
    return size;
}

/* The id of the odd record in each window of 1000 ids (window w gets odd kind w % ODD_COUNT;
 * kind ODD_NONE leaves the window uniform). */
static Odd odd_of(uint32_t id)
{
    if (id % 1000 != 500) return ODD_NONE;
    return (Odd)((id / 1000) % ODD_COUNT);
}

static void fill(ScanDb *db, uint32_t count)
{
    uint8_t value[64];
    for (uint32_t id = 0; id < count; id++) {
        Odd odd = odd_of(id);
        uint8_t key[9];
        enc_u64be(key, id);
        key[8] = 0;
        size_t size = value_of(id, odd, value);
        OK(bt_insert(db->tree, key, odd == ODD_KEY ? 9 : 8, value, size));
    }
}

/* expected: the test's own statement of all_plain and the shape of one leaf's entries. */
static void expected(const BtLeafEntry *entries, size_t count, bool *plain_out,
                     BtRowShape *shape_out)
{
    memset(shape_out, 0, sizeof *shape_out);
    *plain_out = false;
    uint32_t min_size = UINT32_MAX;
    uint64_t nulls = 0;
    uint16_t columns = 0;
    bool same_columns = true;
    for (size_t idx = 0; idx < count; idx++) {
        const uint8_t *value = entries[idx].value;
        if (value == NULL || entries[idx].value_size < ROW_HEADER_SIZE + 8) return;
        uint64_t xid = dec_u64le(value + ROW_HEADER_XID_OFFSET);
        if (xid == 0 || xid >= BOUND) return;
        if (dec_u64le(value + ROW_HEADER_DELETE_XID_OFFSET) != ROW_XID_NONE) return;
        if (value[ROW_HEADER_FORMAT_OFFSET] != ROW_FORMAT_V1) return;
        uint16_t entry_columns = dec_u16le(value + ROW_HEADER_COLUMN_COUNT_OFFSET);
        if (idx > 0 && entry_columns != columns) same_columns = false;
        columns = entry_columns;
        if (entries[idx].value_size < min_size) min_size = entries[idx].value_size;
        nulls |= dec_u64le(value + ROW_HEADER_SIZE);
    }
    *plain_out = count > 0;
    if (count == 0 || !same_columns) return;
    shape_out->uniform = true;
    shape_out->column_count = columns;
    shape_out->record_size_min = min_size;
    enc_u64le(shape_out->nulls, nulls);
}

typedef struct Tally {
    size_t leaves;
    size_t uniform;
    size_t odd_seen[ODD_COUNT];      /* leaves holding an odd record of each kind */
    size_t odd_uniform[ODD_COUNT];   /* ... whose shape came out uniform */
} Tally;

/* lockstep: scan [lo, end) with the bound and without one, leaf by leaf, comparing. */
static void lockstep(ScanDb *db, const uint8_t *lo, size_t lo_size, uint32_t first_id,
                     uint32_t count, Tally *tally)
{
    memset(tally, 0, sizeof *tally);
    BtLeafScan *fast = NULL, *general = NULL;
    OK(bt_leaf_scan_open(db->tree, lo, lo_size, NULL, 0, &fast));
    OK(bt_leaf_scan_open(db->tree, lo, lo_size, NULL, 0, &general));
    uint32_t next_id = first_id;
    for (;;) {
        const BtLeafEntry *entries = NULL, *reference = NULL;
        size_t entry_count = 0, reference_count = 0;
        bool all_plain = false;
        OK(bt_leaf_scan_next_plain(fast, BOUND, &entries, &entry_count, &all_plain));
        OK(bt_leaf_scan_next(general, &reference, &reference_count));
        MUST(entry_count == reference_count);
        if (entry_count == 0) break;
        tally->leaves++;
        Odd odd = ODD_NONE;
        for (size_t idx = 0; idx < entry_count; idx++) {
            const BtLeafEntry *entry = &entries[idx], *want = &reference[idx];
            MUST(entry->key_size == want->key_size);
            MUST(memcmp(entry->key, want->key, want->key_size) == 0);
            MUST(entry->value_size == want->value_size);
            MUST(entry->value != NULL && want->value != NULL);
            MUST(memcmp(entry->value, want->value, want->value_size) == 0);
            uint32_t id = (uint32_t)dec_u64be(entry->key);
            MUST(id == next_id);
            next_id++;
            MUST(entry->key_size == (odd_of(id) == ODD_KEY ? 9u : 8u));
            if (odd_of(id) != ODD_NONE) odd = odd_of(id);
        }
        bool plain = false;
        BtRowShape want_shape, shape;
        expected(entries, entry_count, &plain, &want_shape);
        bt_leaf_scan_shape(fast, &shape);
        MUST(all_plain == plain);
        MUST(shape.uniform == want_shape.uniform);
        if (shape.uniform) {
            MUST(shape.column_count == want_shape.column_count);
            MUST(shape.record_size_min == want_shape.record_size_min);
            MUST(memcmp(shape.nulls, want_shape.nulls, sizeof shape.nulls) == 0);
            tally->uniform++;
        }
        if (odd != ODD_NONE) {
            tally->odd_seen[odd]++;
            if (shape.uniform) tally->odd_uniform[odd]++;
        }
    }
    MUST(next_id == count);
    bt_leaf_scan_close(fast);
    bt_leaf_scan_close(general);
}

START_TEST(test_uniform_leaves_match_general)
{
    ScanDb db;
    scan_db_open(&db, "uniform.birch", 23);
    uint32_t count = (uint32_t)(ODD_COUNT * 1000 * scan_harness_scale());
    if (count < ODD_COUNT * 1000) count = ODD_COUNT * 1000;   /* every kind at least once */
    fill(&db, count);
    Tally tally;
    lockstep(&db, NULL, 0, 0, count, &tally);
    MUST(tally.leaves > 2 * ODD_COUNT);
    MUST(tally.uniform > tally.leaves / 2);
    for (int odd = ODD_COLUMNS; odd < ODD_COUNT; odd++) {
        MUST(tally.odd_seen[odd] > 0);
        /* a set flags byte (ignored), a longer record or a longer key (the general pass then
         * finds the shape: keys are not part of it) keep the leaf's shape; the rest lose it */
        bool keeps = odd == ODD_FLAGS || odd == ODD_SIZE || odd == ODD_KEY;
        MUST(keeps ? tally.odd_uniform[odd] == tally.odd_seen[odd] : tally.odd_uniform[odd] == 0);
    }
    /* a range starting inside a leaf (slot past 0) and running to the end */
    uint32_t start = count / 2 + 37;
    uint8_t lo[8];
    enc_u64be(lo, start);
    lockstep(&db, lo, 8, start, count, &tally);
    MUST(tally.uniform > 0);
    scan_db_close(&db);
}
END_TEST

/* corrupt_once: with the leaf's byte range [at, at + size) replaced by bytes, both passes
 * report DATA_CORRUPTED; then the bytes are put back. */
static void corrupt_once(ScanDb *db, Frame *frame, size_t at, const uint8_t *bytes, size_t size)
{
    uint8_t saved[8];
    MUST(size <= sizeof saved);
    uint8_t *page = bp_data(frame);
    bp_latch(frame, LATCH_EXCLUSIVE);
    memcpy(saved, page + at, size);
    memcpy(page + at, bytes, size);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    for (int variant = 0; variant < 2; variant++) {
        BtLeafScan *scan = NULL;
        OK(bt_leaf_scan_open(db->tree, NULL, 0, NULL, 0, &scan));
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        bool all_plain = false;
        Error *err = variant == 0 ? bt_leaf_scan_next(scan, &entries, &entry_count)
                                  : bt_leaf_scan_next_plain(scan, BOUND, &entries, &entry_count,
                                                            &all_plain);
        MUST(err != NULL && err->state == SQLSTATE_DATA_CORRUPTED);
        err_free(err);
        bt_leaf_scan_close(scan);
    }
    bp_latch(frame, LATCH_EXCLUSIVE);
    memcpy(page + at, saved, size);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
}

START_TEST(test_uniform_leaf_corruption)
{
    ScanDb db;
    scan_db_open(&db, "uniform_bad.birch", 29);
    uint8_t value[64];
    for (uint32_t id = 0; id < 30; id++) {       /* one uniform leaf: the root */
        uint8_t key[8];
        enc_u64be(key, id);
        OK(bt_insert(db.tree, key, 8, value, value_of(id, ODD_NONE, value)));
    }
    BufPool *pool = store_pool(db.store);
    Frame *frame = NULL;
    OK(bp_pin(pool, bt_root(db.tree), BP_PIN_READ, &frame));
    const uint8_t *page = bp_data(frame);
    MUST(bt_level(page) == 0 && bt_count(page) == 30);
    size_t cell_size = BT_LEAF_CELL_HEADER_SIZE + 8 + VALUE_SIZE;
    uint8_t bytes[4];
    /* a slot whose cell would run past the page end (in the last cell's reach) */
    enc_u16le(bytes, (uint16_t)(PAGE_SIZE - cell_size + 1));
    corrupt_once(&db, frame, BT_HEADER_SIZE + 2 * 9, bytes, 2);
    /* a slot past the page */
    enc_u16le(bytes, (uint16_t)(PAGE_SIZE + 100));
    corrupt_once(&db, frame, BT_HEADER_SIZE + 2 * 0, bytes, 2);
    /* a cell whose value size is beyond any page (the header word differs from the first's) */
    size_t cell = dec_u16le(page + BT_HEADER_SIZE + 2 * 12);
    enc_u32le(bytes, 0x7fffffffu);
    corrupt_once(&db, frame, cell + 2, bytes, 4);
    /* the first cell's value size too large for the page: the pass refuses it at once */
    cell = dec_u16le(page + BT_HEADER_SIZE);
    enc_u32le(bytes, PAGE_SIZE);
    corrupt_once(&db, frame, cell + 2, bytes, 4);
    bp_unpin(pool, frame);
    /* all restored: one uniform leaf of 30 entries */
    Tally tally;
    lockstep(&db, NULL, 0, 0, 30, &tally);
    MUST(tally.leaves == 1 && tally.uniform == 1);
    scan_db_close(&db);
}
END_TEST

static Suite *uniform_suite(void)
{
    Suite *suite = suite_create("scan_uniform");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_uniform_leaves_match_general);
    tcase_add_test(tcase, test_uniform_leaf_corruption);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(uniform_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
