/* txn/tests/test_wal_format.c: the compact record header (format version 2, txn/wal.h): every
 * field round-trips through encode and decode at the edges of its varint sizes; a header that
 * does not decode (reserved bit, type, short or over-long varints, prev_lsn not before the
 * record) is rejected; one flipped bit anywhere in a record, or the record read at another LSN,
 * fails its crc; a torn record (its tail or header zeroed, as a power cut leaves it) ends the
 * scan; the zero-filled space the log preallocates ahead of its end is never taken for a
 * record, also by a recovery after a crash. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/hash_crc32.h"
#include "storage/btree.h"
#include "txn/recov.h"
#include "txn/wal_int.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s (%s)", #expr,                  \
                      err_ok_ != NULL ? err_ok_->message : "",                       \
                      err_ok_ != NULL ? sqlstate_code(err_ok_->state) : "");         \
    } while (0)

static const char *const DB = "db.birch";
static const char *const WAL_FILE = "db.birch-wal";

/* stored_crc_ok: the record's stored crc matches its bytes at lsn. */
static bool stored_crc_ok(const uint8_t *stored, size_t size, uint64_t lsn)
{
    WalHeader header;
    if (!wal_header_parse(stored, size, lsn, &header) || header.size != size) return false;
    size_t   body_size = size - header.header_size;
    uint32_t body_crc = body_size > 0 ? hash_crc32_fast(0, stored + header.header_size,
                                                        body_size) : 0;
    return wal_header_crc(body_crc, stored, header.header_size, lsn) == header.crc;
}

START_TEST(test_wal_header_round_trip)
{
    static const uint64_t xids[] = {0, 1, 127, 128, 16383, 16384, (uint64_t)1 << 32, UINT64_MAX};
    static const uint64_t deltas[] = {0, 1, 127, 128, 300, 16384, (uint64_t)1 << 35,
                                      (uint64_t)1 << 63};
    static const uint32_t generations[] = {0, 1, 127, 128, 70000, UINT32_MAX};
    static const uint64_t lsns[] = {((uint64_t)1 << 36) + 7, UINT64_MAX - 5};
    static const size_t   body_sizes[] = {0, 1, 63, 64, 200};
    uint8_t body[200];
    for (size_t byte_idx = 0; byte_idx < sizeof body; byte_idx++) {
        body[byte_idx] = (uint8_t)hash_u64(byte_idx);
    }
    uint8_t  stored[WAL_RECORD_HEADER_SIZE_MAX + sizeof body];
    int      combos = 0;
    size_t   header_min = SIZE_MAX, header_max = 0;
    for (size_t lsn_idx = 0; lsn_idx < sizeof lsns / sizeof lsns[0]; lsn_idx++)
    for (size_t xid_idx = 0; xid_idx < sizeof xids / sizeof xids[0]; xid_idx++)
    for (size_t delta_idx = 0; delta_idx < sizeof deltas / sizeof deltas[0]; delta_idx++)
    for (size_t gen_idx = 0; gen_idx < sizeof generations / sizeof generations[0]; gen_idx++) {
        uint64_t lsn = lsns[lsn_idx];
        if (deltas[delta_idx] >= lsn) continue;
        uint64_t prev_lsn = deltas[delta_idx] == 0 ? 0 : lsn - deltas[delta_idx];
        uint8_t  type = (uint8_t)(WAL_RECORD_MTR + combos % WAL_RECORD_CHECKPOINT);
        uint8_t  flags = combos % 3 == 0 ? WAL_FLAG_COMPRESSED : 0;
        size_t   body_size = body_sizes[combos % 5];
        size_t   size = wal_encode_record(stored, lsn, xids[xid_idx], prev_lsn, type, flags,
                                          generations[gen_idx], body, body_size);
        WalHeader header;
        ck_assert(wal_header_parse(stored, size, lsn, &header));
        ck_assert_uint_eq(header.size, size);
        ck_assert_uint_eq(header.header_size + body_size, size);
        ck_assert_uint_eq(header.type, type);
        ck_assert_uint_eq(header.flags, flags);
        ck_assert_uint_eq(header.generation, generations[gen_idx]);
        ck_assert_uint_eq(header.xid, xids[xid_idx]);
        ck_assert_uint_eq(header.prev_lsn, prev_lsn);
        ck_assert_int_eq(memcmp(stored + header.header_size, body, body_size), 0);
        ck_assert_uint_eq(wal_record_header_size(stored, size), header.header_size);
        ck_assert(stored_crc_ok(stored, size, lsn));
        /* the same bytes are no record at another LSN (an earlier lap's position) */
        ck_assert(!stored_crc_ok(stored, size, lsn - WAL_CAPACITY_MIN));
        /* sealing recomputes the same crc */
        uint32_t crc = dec_u32le(stored);
        enc_u32le(stored, ~crc);
        wal_record_seal(stored, size, lsn);
        ck_assert_uint_eq(dec_u32le(stored), crc);
        if (header.header_size < header_min) header_min = header.header_size;
        if (header.header_size > header_max) header_max = header.header_size;
        combos++;
    }
    ck_assert_uint_eq(header_min, WAL_RECORD_HEADER_SIZE_MIN);
    ck_assert_uint_eq(header_max, WAL_RECORD_HEADER_SIZE_MAX);
    /* a typical transaction record: xid 3 bytes, prev 2 bytes: 14 header bytes, not 40 */
    size_t size = wal_encode_record(stored, 1000000, 2000000, 1000000 - 130, WAL_RECORD_MTR, 0,
                                    3, body, 0);
    ck_assert_uint_eq(size, 14);
}
END_TEST

/* Every single flipped bit of a record makes it no record (its header fails to decode or its
 * crc fails). */
START_TEST(test_wal_header_bit_flips_detected)
{
    uint8_t body[40];
    for (size_t byte_idx = 0; byte_idx < sizeof body; byte_idx++) {
        body[byte_idx] = (uint8_t)byte_idx;
    }
    uint8_t  stored[WAL_RECORD_HEADER_SIZE_MAX + sizeof body];
    uint64_t lsn = 123456789;
    size_t   size = wal_encode_record(stored, lsn, 77777, lsn - 4000, WAL_RECORD_CLR, 0, 9, body,
                                      sizeof body);
    ck_assert(stored_crc_ok(stored, size, lsn));
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        for (int bit_idx = 0; bit_idx < 8; bit_idx++) {
            stored[byte_idx] ^= (uint8_t)(1u << bit_idx);
            ck_assert_msg(!stored_crc_ok(stored, size, lsn), "byte %zu bit %d", byte_idx, bit_idx);
            stored[byte_idx] ^= (uint8_t)(1u << bit_idx);
        }
    }
    ck_assert(stored_crc_ok(stored, size, lsn));
}
END_TEST

START_TEST(test_wal_header_malformed_rejected)
{
    uint8_t  stored[64];
    uint64_t lsn = 5000;
    WalHeader header;
    size_t   size = wal_encode_record(stored, lsn, 9, 4000, WAL_RECORD_MTR, 0, 2, NULL, 0);
    ck_assert(wal_header_parse(stored, size, lsn, &header));
    /* fewer bytes than the prefix */
    ck_assert(!wal_header_parse(stored, WAL_RECORD_PREFIX_SIZE - 1, lsn, &header));
    /* zeroed space: size 0 */
    uint8_t zeros[64] = {0};
    ck_assert(!wal_header_parse(zeros, sizeof zeros, lsn, &header));
    ck_assert_uint_eq(wal_record_header_size(zeros, sizeof zeros), 0);
    /* the reserved kind bit, type 0, type 7, type 15 */
    static const uint8_t bad_kinds[] = {WAL_KIND_RESERVED | WAL_RECORD_MTR, 0, 7, 15};
    for (size_t kind_idx = 0; kind_idx < sizeof bad_kinds; kind_idx++) {
        uint8_t copy[64];
        memcpy(copy, stored, size);
        copy[7] = (uint8_t)((copy[7] & (WAL_KIND_XID | WAL_KIND_PREV)) | bad_kinds[kind_idx]);
        ck_assert(!wal_header_parse(copy, size, lsn, &header));
    }
    /* size below the minimum */
    uint8_t copy[64];
    memcpy(copy, stored, size);
    copy[4] = WAL_RECORD_HEADER_SIZE_MIN - 1;
    ck_assert(!wal_header_parse(copy, size, lsn, &header));
    /* prev_lsn at or after the record (delta 0 or >= lsn) */
    size = wal_encode_record(stored, lsn, 9, 1, WAL_RECORD_MTR, 0, 2, NULL, 0);
    ck_assert(wal_header_parse(stored, size, lsn, &header));
    ck_assert(!wal_header_parse(stored, size, 4999 - 4998, &header));   /* delta 4999 >= 1 */
    memcpy(copy, stored, size);
    /* header: prefix, gen (1 byte), xid (1 byte), delta (2 bytes: 4999) */
    copy[10] = 0;
    copy[11] = 0;
    ck_assert(!wal_header_parse(copy, size, lsn, &header));
    /* a varint that does not end inside the record (the size cuts it) */
    size = wal_encode_record(stored, lsn, UINT64_MAX, 0, WAL_RECORD_COMMIT, 0, 2, NULL, 0);
    ck_assert_uint_eq(size, WAL_RECORD_PREFIX_SIZE + 1 + 10);
    memcpy(copy, stored, size);
    copy[4] = (uint8_t)(size - 1);
    ck_assert(!wal_header_parse(copy, size, lsn, &header));
    ck_assert(!wal_header_parse(stored, size - 1, lsn, &header));   /* avail cuts it too */
    /* an over-long generation varint (6 bytes) */
    memset(copy, 0x80, sizeof copy);
    copy[4] = 30;
    copy[5] = 0;
    copy[6] = 0;
    copy[7] = WAL_RECORD_COMMIT;
    copy[13] = 0x01;
    ck_assert(!wal_header_parse(copy, sizeof copy, lsn, &header));
    /* xid present but 0 */
    size = wal_encode_record(stored, lsn, 0, 0, WAL_RECORD_COMMIT, 0, 2, NULL, 0);
    memcpy(copy, stored, size);
    copy[7] |= WAL_KIND_XID;
    copy[4] = (uint8_t)(size + 1);
    copy[size] = 0;
    ck_assert(!wal_header_parse(copy, size + 1, lsn, &header));
}
END_TEST

/* A live log: records written, then their bytes torn as a power cut leaves them. */
static Wal *log_with_records_at(Vfs *vfs, Store **store_out, uint64_t *lsns, int count,
                                uint64_t first_lsn)
{
    StoreOptions store_options = {.vfs = vfs, .create = true, .pool_size = 1 << 20};
    ck_assert_ok(store_open(DB, &store_options, store_out));
    if (first_lsn != 0) store_next_lsn_raise(*store_out, first_lsn);
    Wal       *wal = NULL;
    WalOptions options = {.capacity = WAL_CAPACITY_MIN};
    ck_assert_ok(wal_create(*store_out, &options, &wal));
    uint8_t payload[100];
    uint64_t prev = 0;
    for (int record_idx = 0; record_idx < count; record_idx++) {
        memset(payload, record_idx + 1, sizeof payload);
        ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, 1000 + (uint64_t)record_idx, prev,
                                    payload, (size_t)(record_idx * 7 % 100), &lsns[record_idx]));
        prev = lsns[record_idx];
    }
    ck_assert_ok(wal_flush_all(wal));
    return wal;
}

static Wal *log_with_records(Vfs *vfs, Store **store_out, uint64_t *lsns, int count)
{
    return log_with_records_at(vfs, store_out, lsns, count, 0);
}

static int scan_count(Wal *wal, uint64_t from)
{
    WalReader *reader = NULL;
    ck_assert_ok(wal_reader_open(wal, &reader));
    WalRecord record;
    bool      valid = false;
    int       count = 0;
    for (uint64_t lsn = from;; lsn += record.size) {
        ck_assert_ok(wal_read(reader, lsn, true, &record, &valid));
        if (!valid) break;
        count++;
    }
    wal_reader_close(reader);
    return count;
}

START_TEST(test_wal_torn_record_ends_scan)
{
    enum { COUNT = 20 };
    /* case 0: the last record's header torn after its prefix (the varints zeroed); case 1: its
     * body's tail zeroed; case 2: only its size field survives (a 4 KiB tear inside it) */
    for (int case_idx = 0; case_idx < 3; case_idx++) {
        Vfs     *vfs = vfs_fault_create(40 + (uint64_t)case_idx);
        Store   *store = NULL;
        uint64_t lsns[COUNT];
        Wal     *wal = log_with_records(vfs, &store, lsns, COUNT);
        ck_assert_int_eq(scan_count(wal, lsns[0]), COUNT);
        uint64_t last = lsns[COUNT - 1];
        uint64_t end = wal_insert_lsn(wal);
        File    *file = NULL;
        ck_assert_ok(file_open(vfs, WAL_FILE, 0, &file));
        uint8_t zeros[128] = {0};
        uint64_t from = case_idx == 0 ? last + WAL_RECORD_PREFIX_SIZE
                      : case_idx == 1 ? end - 3 : last + 4;
        size_t   size = case_idx == 2 ? 3 : (size_t)(end - from);
        if (case_idx == 0) size = 2;
        ck_assert_ok(file_write(file, wal_file_offset(wal, from), zeros, size));
        file_close(file);
        ck_assert_int_eq(scan_count(wal, lsns[0]), COUNT - 1);
        /* the records before it read back whole */
        WalReader *reader = NULL;
        ck_assert_ok(wal_reader_open(wal, &reader));
        WalRecord record;
        bool      valid = false;
        ck_assert_ok(wal_read(reader, lsns[COUNT - 2], false, &record, &valid));
        ck_assert(valid);
        ck_assert_uint_eq(record.xid, 1000 + COUNT - 2);
        ck_assert_uint_eq(record.prev_lsn, lsns[COUNT - 3]);
        ck_assert_uint_eq(record.type, WAL_RECORD_COMMIT);
        ck_assert_ok(wal_read(reader, last, false, &record, &valid));
        ck_assert(!valid);
        wal_reader_close(reader);
        ck_assert_ok(wal_close(wal, false));
        ck_assert_ok(store_close(store));
        vfs_fault_destroy(vfs);
    }
}
END_TEST

/* The log file is zero-filled ahead of its end: that space reads as the end of the log, and
 * a recovery after a crash ends exactly at the last record written. */
START_TEST(test_wal_preallocated_space_is_end_of_log)
{
    enum { COUNT = 30 };
    Vfs     *vfs = vfs_fault_create(50);
    Store   *store = NULL;
    uint64_t lsns[COUNT];
    Wal     *wal = log_with_records(vfs, &store, lsns, COUNT);
    uint64_t end = wal_insert_lsn(wal);
    File    *file = NULL;
    ck_assert_ok(file_open(vfs, WAL_FILE, FILE_OPEN_READONLY, &file));
    uint64_t file_bytes = 0;
    ck_assert_ok(file_size(file, &file_bytes));
    file_close(file);
    ck_assert_uint_gt(file_bytes, wal_file_offset(wal, end) + 4096);   /* preallocated */
    WalReader *reader = NULL;
    ck_assert_ok(wal_reader_open(wal, &reader));
    WalRecord record;
    bool      valid = true;
    for (uint64_t lsn = end; wal_file_offset(wal, lsn) + 64 < file_bytes; lsn += 997) {
        ck_assert_ok(wal_read(reader, lsn, false, &record, &valid));
        ck_assert(!valid);
    }
    wal_reader_close(reader);
    ck_assert_ok(wal_close(wal, false));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);

    /* a log whose first LSN lies deep in the area: the bytes before it are allocated, not
     * records (and not written by the first commit) */
    vfs = vfs_fault_create(52);
    uint64_t first = 5 * WAL_CAPACITY_MIN + WAL_CAPACITY_MIN / 2 + 13;
    wal = log_with_records_at(vfs, &store, lsns, COUNT, first);
    ck_assert_uint_eq(lsns[0], first);
    ck_assert_uint_eq(wal_created_lsn(wal), first);
    ck_assert_int_eq(scan_count(wal, lsns[0]), COUNT);
    ck_assert_ok(wal_reader_open(wal, &reader));
    for (uint64_t lsn = first - WAL_CAPACITY_MIN / 2 + 1; lsn < first; lsn += 4093) {
        ck_assert_ok(wal_read(reader, lsn, false, &record, &valid));
        ck_assert(!valid);
    }
    ck_assert_ok(wal_read(reader, first, false, &record, &valid));
    ck_assert(valid);
    ck_assert_uint_eq(record.xid, 1000);
    wal_reader_close(reader);
    ck_assert_ok(wal_close(wal, false));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);

    /* a database: committed inserts, a crash, recovery ends at the last record */
    vfs = vfs_fault_create(51);
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = 1 << 20},
        .wal = {.capacity = WAL_CAPACITY_MIN},
    };
    RecovDb *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    PageId root = PAGE_ID_NONE;
    ck_assert_ok(bt_create(recov_store(db), &root));
    Mtr mtr;
    mtr_begin(&mtr, recov_store(db));
    store_root_set(&mtr, 1, root);
    ck_assert_ok(mtr_commit(&mtr));
    BTree *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    int rows = 200;
    for (int row_idx = 0; row_idx < rows; row_idx++) {
        uint8_t key[8], value[40];
        enc_u64be(key, (uint64_t)row_idx);
        memset(value, row_idx, sizeof value);
        ck_assert_ok(bt_insert(tree, key, 8, value, sizeof value));
    }
    bt_close(tree);
    Wal *live = recov_wal(db);
    ck_assert_ok(wal_flush_all(live));
    end = wal_insert_lsn(live);
    recov_abandon(db);
    options.store.create = false;
    RecovReport report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    ck_assert(report.recovered);
    ck_assert_uint_eq(report.end_lsn, end);
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    ck_assert_uint_eq(stats.entry_count, (uint64_t)rows);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

static Suite *wal_format_suite(void)
{
    Suite *suite = suite_create("wal_format");
    TCase *tcase = tcase_create("wal_format");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_wal_header_round_trip);
    tcase_add_test(tcase, test_wal_header_bit_flips_detected);
    tcase_add_test(tcase, test_wal_header_malformed_rejected);
    tcase_add_test(tcase, test_wal_torn_record_ends_scan);
    tcase_add_test(tcase, test_wal_preallocated_space_is_end_of_log);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(wal_format_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
