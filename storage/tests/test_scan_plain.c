/* storage/tests/test_scan_plain.c: the read path of leaf scans (scanpath): bt_leaf_scan_next_plain
 * telling per leaf whether every entry is a plain row record below a bound (checked against the
 * same rule computed here, for records with old and new writers, delete marks, xid 0, a foreign
 * format byte, short and overflow values, and bounds 0 and 1), the read-ahead pin (scans closed
 * midway leave no pin behind; the pinned right sibling emptied, merged away and split between
 * calls never loses or repeats a key present throughout), and a cell below cell_start (which
 * the partial copy does not take) reported as DATA_CORRUPTED; (session 10) bt_leaf_scan_prefetch
 * between leaves with every kind of count changes nothing handed out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "storage/btree.h"
#include "storage/btree_int.h"
#include "storage/bufpool.h"
#include "storage/row.h"
#include "storage/store.h"
#include "storage/tests/scan_harness.h"

/* Record kinds: what the value of id looks like. */
typedef enum Kind {
    KIND_PLAIN,         /* xid = 10 + id % 50, no delete mark */
    KIND_NEW_XID,       /* xid 1000 */
    KIND_DELETED,       /* xid 5, delete_xid 7 */
    KIND_XID_ZERO,
    KIND_FORMAT,        /* format byte 2 */
    KIND_SHORT,         /* 12 bytes */
    KIND_OVERFLOW,      /* plain header, 6000 bytes (out of line) */
} Kind;

static size_t value_of(uint32_t id, Kind kind, uint8_t *out)
{
    size_t size = kind == KIND_SHORT ? 12 : kind == KIND_OVERFLOW ? 6000 : 32;
    memset(out, (int)(id & 0x7f), size);
    if (kind == KIND_SHORT) return size;
    uint64_t xid = 10 + id % 50, delete_xid = ROW_XID_NONE;
    if (kind == KIND_NEW_XID) xid = 1000;
    if (kind == KIND_DELETED) {
        xid = 5;
        delete_xid = 7;
    }
    if (kind == KIND_XID_ZERO) xid = 0;
    enc_u64le(out + ROW_HEADER_XID_OFFSET, xid);
    enc_u64le(out + ROW_HEADER_DELETE_XID_OFFSET, delete_xid);
    out[ROW_HEADER_FLAGS_OFFSET] = 0;
    out[ROW_HEADER_FORMAT_OFFSET] = kind == KIND_FORMAT ? 2 : ROW_FORMAT_V1;
    enc_u16le(out + ROW_HEADER_COLUMN_COUNT_OFFSET, 0);
    return size;
}

static void put(ScanDb *db, uint32_t id, Kind kind)
{
    static uint8_t value[6000];
    uint8_t key[4];
    enc_u32be(key, id);
    size_t size = value_of(id, kind, value);
    OK(bt_insert(db->tree, key, 4, value, size));
}

/* plain_rule: the test's own statement of a plain record below bound. */
static bool plain_rule(const BtLeafEntry *entry, uint64_t bound)
{
    if (entry->value == NULL || entry->value_size < ROW_HEADER_SIZE) return false;
    if (entry->value[ROW_HEADER_FORMAT_OFFSET] != ROW_FORMAT_V1) return false;
    uint64_t xid = dec_u64le(entry->value + ROW_HEADER_XID_OFFSET);
    if (xid == 0 || xid >= bound) return false;
    return dec_u64le(entry->value + ROW_HEADER_DELETE_XID_OFFSET) == ROW_XID_NONE;
}

/* scan_check: scan with bound; every leaf's answer against plain_rule; returns the leaves that
 * were plain and the ids seen (must be count, in order). */
static size_t scan_check(ScanDb *db, uint64_t bound, uint32_t count, size_t *leaves_out)
{
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db->tree, NULL, 0, NULL, 0, &scan));
    size_t plain_leaves = 0, leaves = 0;
    uint32_t next_id = 0;
    for (;;) {
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        bool all_plain = true;
        OK(bt_leaf_scan_next_plain(scan, bound, &entries, &entry_count, &all_plain));
        if (entry_count == 0) {
            MUST(!all_plain);
            bt_leaf_scan_prefetch(scan, UINT32_MAX);     /* at the end: nothing read ahead */
            break;
        }
        bool expected = bound > 0;
        for (size_t idx = 0; idx < entry_count; idx++) {
            MUST(dec_u32be(entries[idx].key) == next_id);
            /* the two names of one field */
            MUST(entries[idx].record == entries[idx].value);
            MUST(entries[idx].record_size == entries[idx].value_size);
            next_id++;
            if (!plain_rule(&entries[idx], bound)) expected = false;
        }
        MUST(all_plain == expected);
        /* (session 10) the consumer's prefetch of the next leaf is a hint: any count, even past
         * the page or with no leaf read ahead, leaves the keys handed out unchanged */
        static const uint32_t prefetch_counts[] = {0, 1, 24, 100, 200, UINT32_MAX};
        bt_leaf_scan_prefetch(scan, prefetch_counts[leaves % 6]);
        bt_leaf_scan_prefetch(scan, prefetch_counts[(leaves + 3) % 6]);
        leaves++;
        if (all_plain) plain_leaves++;
    }
    MUST(next_id == count);
    bt_leaf_scan_close(scan);
    *leaves_out = leaves;
    return plain_leaves;
}

START_TEST(test_scan_plain_classification)
{
    ScanDb db;
    scan_db_open(&db, "plain.birch", 11);
    uint32_t count = (uint32_t)(4000 * scan_harness_scale()) + 400;
    /* ids 0..count-1: plain except one odd record in some windows of 300 ids */
    static const Kind odd_kinds[] = {KIND_NEW_XID, KIND_DELETED, KIND_XID_ZERO, KIND_FORMAT,
                                     KIND_SHORT, KIND_OVERFLOW};
    size_t odd = 0;
    for (uint32_t id = 0; id < count; id++) {
        Kind kind = KIND_PLAIN;
        if (id % 300 == 150 && (id / 300) % 2 == 0) {
            kind = odd_kinds[odd++ % (sizeof odd_kinds / sizeof odd_kinds[0])];
        }
        put(&db, id, kind);
    }
    MUST(odd >= 2);
    size_t leaves = 0;
    /* bound 100: leaves holding an odd record are not plain, the others are */
    size_t plain = scan_check(&db, 100, count, &leaves);
    MUST(leaves > odd + 2);
    MUST(plain > 0 && plain < leaves);
    /* bound 0 and 1: never plain */
    MUST(scan_check(&db, 0, count, &leaves) == 0);
    MUST(scan_check(&db, 1, count, &leaves) == 0);
    /* bound 30: writers 10 + id % 50 reach 59, so no leaf is plain */
    MUST(scan_check(&db, 30, count, &leaves) == 0);
    /* bound above every xid: only delete marks, xid 0, format, short and overflow stay odd */
    size_t plain_high = scan_check(&db, 5000, count, &leaves);
    MUST(plain_high >= plain);
    /* bt_leaf_scan_next hands out the same entries */
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db.tree, NULL, 0, NULL, 0, &scan));
    uint32_t next_id = 0;
    for (;;) {
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        OK(bt_leaf_scan_next(scan, &entries, &entry_count));
        if (entry_count == 0) break;
        for (size_t idx = 0; idx < entry_count; idx++) {
            MUST(dec_u32be(entries[idx].key) == next_id++);
        }
    }
    MUST(next_id == count);
    bt_leaf_scan_close(scan);
    scan_db_close(&db);
}
END_TEST

/* Read-ahead: scans stopped midway keep no pin; the pinned right sibling changed between calls
 * (emptied and merged away, refilled and split) loses and repeats nothing. */
START_TEST(test_scan_read_ahead_changes)
{
    ScanDb db;
    scan_db_open(&db, "plain.birch", 11);
    uint32_t count = (uint32_t)(6000 * scan_harness_scale()) + 600;
    uint8_t *present = calloc(count * 2 + 1, 1);    /* 1 present now, 2 present throughout */
    for (uint32_t id = 0; id < count; id++) {
        put(&db, id * 2, KIND_PLAIN);
        present[id * 2] = 2;
    }
    for (int stop = 1; stop <= 3; stop++) {
        BtLeafScan *scan = NULL;
        OK(bt_leaf_scan_open(db.tree, NULL, 0, NULL, 0, &scan));
        for (int leaf = 0; leaf < stop; leaf++) {
            const BtLeafEntry *entries = NULL;
            size_t entry_count = 0;
            OK(bt_leaf_scan_next(scan, &entries, &entry_count));
            MUST(entry_count > 0);
        }
        MUST(bp_pinned_count(store_pool(db.store)) > db.pinned_base);
        bt_leaf_scan_close(scan);
        MUST(bp_pinned_count(store_pool(db.store)) == db.pinned_base);
    }
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db.tree, NULL, 0, NULL, 0, &scan));
    uint8_t *seen = calloc(count * 2 + 1, 1);
    uint32_t last = 0;
    int round = 0;
    for (;;) {
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        bool all_plain = false;
        OK(bt_leaf_scan_next_plain(scan, 100, &entries, &entry_count, &all_plain));
        if (entry_count == 0) break;
        for (size_t idx = 0; idx < entry_count; idx++) {
            uint32_t id = dec_u32be(entries[idx].key);
            MUST(round == 0 && idx == 0 ? true : id > last);
            MUST(!seen[id]);
            seen[id] = 1;
            last = id;
        }
        round++;
        /* the next ~150 present keys (the pinned sibling's): odd rounds delete them (merges),
         * even rounds insert between them (splits) */
        uint32_t upto = last + 300 < count * 2 ? last + 300 : count * 2;
        for (uint32_t id = last + 1; id <= upto; id++) {
            if (round % 2 == 1 && present[id] != 0 && id % 3 != 0) {
                uint8_t key[4];
                enc_u32be(key, id);
                bool found = false;
                OK(bt_delete(db.tree, key, 4, &found));
                MUST(found);
                present[id] = 0;
            } else if (round % 2 == 0 && present[id] == 0) {
                put(&db, id, KIND_PLAIN);
                present[id] = 1;
            }
        }
    }
    bt_leaf_scan_close(scan);
    for (uint32_t id = 0; id <= count * 2; id++) {
        if (present[id] == 2) MUST(seen[id]);
    }
    MUST(round > 4);
    free(seen);
    free(present);
    scan_db_close(&db);
}
END_TEST

/* A slot pointing below cell_start (into bytes the partial copy does not take): corruption. */
START_TEST(test_scan_cell_below_cell_start)
{
    ScanDb db;
    scan_db_open(&db, "plain.birch", 11);
    for (uint32_t id = 0; id < 20; id++) put(&db, id, KIND_PLAIN);  /* one leaf: the root */
    BufPool *pool = store_pool(db.store);
    Frame *frame = NULL;
    OK(bp_pin(pool, bt_root(db.tree), BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    uint8_t *page = bp_data(frame);
    MUST(bt_level(page) == 0 && bt_count(page) == 20);
    size_t slot_offset = BT_HEADER_SIZE + 2 * 5;
    uint16_t saved = dec_u16le(page + slot_offset);
    size_t below = bt_cell_start(page) - 16;
    MUST(below >= BT_HEADER_SIZE + 2 * 20);
    enc_u16le(page + slot_offset, (uint16_t)below);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    for (int variant = 0; variant < 2; variant++) {
        BtLeafScan *scan = NULL;
        OK(bt_leaf_scan_open(db.tree, NULL, 0, NULL, 0, &scan));
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        bool all_plain = false;
        Error *err = variant == 0 ? bt_leaf_scan_next(scan, &entries, &entry_count)
                                  : bt_leaf_scan_next_plain(scan, 100, &entries, &entry_count,
                                                            &all_plain);
        MUST(err != NULL && err->state == SQLSTATE_DATA_CORRUPTED);
        err_free(err);
        bt_leaf_scan_close(scan);
    }
    /* the last slot below cell_start while the scan starts past it (a range) */
    bp_latch(frame, LATCH_EXCLUSIVE);
    enc_u16le(page + slot_offset, saved);
    size_t last_offset = BT_HEADER_SIZE + 2 * 19;
    uint16_t saved_last = dec_u16le(page + last_offset);
    enc_u16le(page + last_offset, (uint16_t)below);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    uint8_t lo[4], hi[4];
    enc_u32be(lo, 2);
    enc_u32be(hi, 4);
    BtLeafScan *scan = NULL;
    OK(bt_leaf_scan_open(db.tree, lo, 4, hi, 4, &scan));
    const BtLeafEntry *entries = NULL;
    size_t entry_count = 0;
    Error *err = bt_leaf_scan_next(scan, &entries, &entry_count);
    MUST(err != NULL && err->state == SQLSTATE_DATA_CORRUPTED);
    err_free(err);
    bt_leaf_scan_close(scan);
    bp_latch(frame, LATCH_EXCLUSIVE);
    enc_u16le(page + last_offset, saved_last);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    size_t leaves = 0;
    MUST(scan_check(&db, 100, 20, &leaves) == 1 && leaves == 1);
    scan_db_close(&db);
}
END_TEST

static Suite *plain_suite(void)
{
    Suite *suite = suite_create("scan_plain");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_scan_plain_classification);
    tcase_add_test(tcase, test_scan_read_ahead_changes);
    tcase_add_test(tcase, test_scan_cell_below_cell_start);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(plain_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
