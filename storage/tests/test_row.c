/* storage/tests/test_row.c: the row record format.
 *
 * Random layouts and values (NULLs, empty and large variable values) round-trip through
 * row_encode / row_decode / row_column; the header is updated in place; records written before
 * ALTER TABLE ADD COLUMN read the new columns as NULL or the default; truncated and corrupt
 * records give DATA_CORRUPTED, never a crash (records are exact-size heap copies, so ASan sees
 * any overread).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/bytes.h"
#include "common/error.h"
#include "storage/row.h"

#include "common/tests/require.h"

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng_next(void)
{
    uint64_t value = (rng_state += 0x9e3779b97f4a7c15ULL);
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

static uint64_t rng_below(uint64_t bound)
{
    return rng_next() % bound;
}

static bool rng_chance(int percent)
{
    return (int)rng_below(100) < percent;
}

static int scaled(int count)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    int result = (int)(count * (scale > 0 ? scale : 1.0));
    return result < 10 ? 10 : result;
}

static void assert_ok(Error *err)
{
    if (err != NULL) ck_abort_msg("unexpected error %s: %s", sqlstate_code(err->state),
                                  err->message);
}

static void assert_state(Error *err, SqlState state)
{
    REQUIRE_MSG(err != NULL, "expected error %s, got success", sqlstate_code(state));
    REQUIRE_STR_EQ(sqlstate_code(err->state), sqlstate_code(state));
    err_free(err);
}

static const RowKind ALL_KINDS[] = {ROW_KIND_VAR, ROW_KIND_FIXED1, ROW_KIND_FIXED2,
                                    ROW_KIND_FIXED4, ROW_KIND_FIXED8, ROW_KIND_FIXED16};

enum { TEST_COLUMNS_MAX = 300 };

/* TestRow: a random layout and values; value bytes live in arena. */
typedef struct TestRow {
    size_t     column_count;
    RowKind    kinds[TEST_COLUMNS_MAX];
    RowValue   values[TEST_COLUMNS_MAX];
    RowLayout *layout;
    RowHeader  header;
    uint8_t   *record;   /* malloc'd, exactly size bytes */
    size_t     size;
} TestRow;

static void random_value(Arena *arena, RowKind kind, RowValue *value_out)
{
    if (rng_chance(20)) {
        *value_out = (RowValue){.is_null = true};
        return;
    }
    size_t size = (size_t)kind;
    if (kind == ROW_KIND_VAR) {
        size = rng_chance(20) ? 0 : rng_below(40);
        if (rng_chance(2)) size = 50000 + rng_below(100000);
    }
    uint8_t *bytes = arena_alloc(arena, size + 1);
    REQUIRE(NULL != bytes);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) bytes[byte_idx] = (uint8_t)rng_next();
    *value_out = (RowValue){false, bytes, size};
}

static void make_row(Arena *arena, TestRow *row)
{
    row->column_count = rng_chance(5) ? rng_below(TEST_COLUMNS_MAX + 1) : rng_below(20);
    for (size_t col_idx = 0; col_idx < row->column_count; col_idx++) {
        row->kinds[col_idx] = ALL_KINDS[rng_below(6)];
        random_value(arena, row->kinds[col_idx], &row->values[col_idx]);
    }
    assert_ok(row_layout_new(arena, row->kinds, row->column_count, &row->layout));
    row->header = (RowHeader){rng_next(), rng_chance(50) ? ROW_XID_NONE : rng_next(),
                              (uint8_t)rng_next()};
    assert_ok(row_size(row->layout, row->values, &row->size));
    row->record = malloc(row->size);
    REQUIRE(NULL != row->record);
    row_encode(row->layout, &row->header, row->values, row->record, row->size);
}

static void assert_value_eq(const RowValue *actual, const RowValue *expected)
{
    REQUIRE_IEQ(actual->is_null, expected->is_null);
    if (expected->is_null) {
        REQUIRE_UEQ(actual->size, 0);
        return;
    }
    REQUIRE_UEQ(actual->size, expected->size);
    if (expected->size > 0) REQUIRE(memcmp(actual->bytes, expected->bytes, expected->size) == 0);
}

static void assert_row_reads(const TestRow *row, const uint8_t *record, size_t size)
{
    assert_ok(row_validate(row->layout, record, size));
    RowHeader header;
    assert_ok(row_header_read(record, size, &header));
    REQUIRE_UEQ(header.xid, row->header.xid);
    REQUIRE_UEQ(header.delete_xid, row->header.delete_xid);
    REQUIRE_UEQ(header.flags, row->header.flags);
    static RowValue decoded[TEST_COLUMNS_MAX];
    assert_ok(row_decode(row->layout, record, size, decoded));
    for (size_t col_idx = 0; col_idx < row->column_count; col_idx++) {
        assert_value_eq(&decoded[col_idx], &row->values[col_idx]);
        RowValue one;
        assert_ok(row_column(row->layout, record, size, col_idx, &one));
        assert_value_eq(&one, &row->values[col_idx]);
        if (!one.is_null) {   /* points into the record */
            REQUIRE(one.bytes >= record && one.bytes + one.size <= record + size);
        }
    }
}

START_TEST(test_row_round_trip_random_layouts)
{
    Arena *arena = arena_create(64 * 1024);
    static TestRow row;
    int row_count = scaled(3000);
    for (int row_idx = 0; row_idx < row_count; row_idx++) {
        make_row(arena, &row);
        assert_row_reads(&row, row.record, row.size);
        /* the documented layout: header fields, column count, fixed offsets */
        REQUIRE_UEQ(dec_u64le(row.record + ROW_HEADER_XID_OFFSET), row.header.xid);
        REQUIRE_UEQ(dec_u16le(row.record + ROW_HEADER_COLUMN_COUNT_OFFSET), row.column_count);
        REQUIRE_UEQ(row.record[ROW_HEADER_FORMAT_OFFSET], ROW_FORMAT_V1);
        size_t fixed_start = ROW_HEADER_SIZE + (row.column_count + 7) / 8;
        size_t fixed_offset = 0;
        for (size_t col_idx = 0; col_idx < row.column_count; col_idx++) {
            REQUIRE_IEQ(row_layout_kind(row.layout, col_idx), row.kinds[col_idx]);
            if (row.kinds[col_idx] == ROW_KIND_VAR) continue;
            REQUIRE_UEQ(row_layout_fixed_offset(row.layout, col_idx), fixed_offset);
            bool is_null = (row.record[ROW_HEADER_SIZE + col_idx / 8] >> (col_idx % 8)) & 1;
            REQUIRE_IEQ(is_null, row.values[col_idx].is_null);
            if (!is_null) {
                REQUIRE(memcmp(row.record + fixed_start + fixed_offset,
                                 row.values[col_idx].bytes, (size_t)row.kinds[col_idx]) == 0);
            }
            fixed_offset += (size_t)row.kinds[col_idx];
        }
        free(row.record);
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

START_TEST(test_row_header_update_in_place)
{
    Arena *arena = arena_create(64 * 1024);
    static TestRow row;
    for (int row_idx = 0; row_idx < scaled(300); row_idx++) {
        make_row(arena, &row);
        uint8_t *before = malloc(row.size);
        memcpy(before, row.record, row.size);
        RowHeader deleted = {row.header.xid, rng_next() | 1, (uint8_t)(row.header.flags ^ 0x5A)};
        row_header_write(row.record, row.size, &deleted);
        /* only the xid, delete xid and flags bytes may change */
        REQUIRE(memcmp(before + ROW_HEADER_FORMAT_OFFSET, row.record + ROW_HEADER_FORMAT_OFFSET,
                         row.size - ROW_HEADER_FORMAT_OFFSET) == 0);
        REQUIRE_UEQ(dec_u64le(row.record + ROW_HEADER_DELETE_XID_OFFSET), deleted.delete_xid);
        REQUIRE_UEQ(row.record[ROW_HEADER_FLAGS_OFFSET], deleted.flags);
        row.header = deleted;
        assert_row_reads(&row, row.record, row.size);
        /* redo by offset: writing the delete xid bytes alone has the same effect */
        enc_u64le(row.record + ROW_HEADER_DELETE_XID_OFFSET, ROW_XID_NONE);
        RowHeader header;
        assert_ok(row_header_read(row.record, row.size, &header));
        REQUIRE_UEQ(header.delete_xid, ROW_XID_NONE);
        REQUIRE_UEQ(header.xid, row.header.xid);
        free(before);
        free(row.record);
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

START_TEST(test_row_short_record_reads_added_columns)
{
    Arena *arena = arena_create(64 * 1024);
    static TestRow row;
    for (int row_idx = 0; row_idx < scaled(500); row_idx++) {
        make_row(arena, &row);
        /* the table later gained extra columns: a wider layout reads the old record */
        size_t added_count = 1 + rng_below(20);
        if (row.column_count + added_count > TEST_COLUMNS_MAX) added_count = 0;
        RowKind kinds[TEST_COLUMNS_MAX];
        memcpy(kinds, row.kinds, row.column_count * sizeof kinds[0]);
        RowValue defaults[TEST_COLUMNS_MAX];
        size_t wide_count = row.column_count + added_count;
        for (size_t col_idx = row.column_count; col_idx < wide_count; col_idx++) {
            kinds[col_idx] = ALL_KINDS[rng_below(6)];
            random_value(arena, kinds[col_idx], &defaults[col_idx]);
        }
        RowLayout *wide = NULL;
        assert_ok(row_layout_new(arena, kinds, row.column_count + added_count, &wide));
        assert_ok(row_validate(wide, row.record, row.size));
        static RowValue decoded[TEST_COLUMNS_MAX];
        assert_ok(row_decode(wide, row.record, row.size, decoded));
        for (size_t col_idx = 0; col_idx < row.column_count + added_count; col_idx++) {
            if (col_idx < row.column_count) {
                assert_value_eq(&decoded[col_idx], &row.values[col_idx]);
                if (kinds[col_idx] != ROW_KIND_VAR) {   /* old columns never move */
                    REQUIRE_UEQ(row_layout_fixed_offset(wide, col_idx),
                                      row_layout_fixed_offset(row.layout, col_idx));
                }
            } else {
                REQUIRE(decoded[col_idx].is_null);
            }
        }
        /* with defaults (ADD COLUMN ... DEFAULT) the missing columns read as the default */
        for (size_t col_idx = row.column_count; col_idx < wide_count; col_idx++) {
            row_layout_set_missing(wide, col_idx, &defaults[col_idx]);
            RowValue one;
            assert_ok(row_column(wide, row.record, row.size, col_idx, &one));
            assert_value_eq(&one, &defaults[col_idx]);
        }
        /* but a record claiming more columns than the layout is corrupt */
        if (row.column_count > 0) {
            RowLayout *narrow = NULL;
            assert_ok(row_layout_new(arena, row.kinds, row.column_count - 1, &narrow));
            assert_state(row_validate(narrow, row.record, row.size), SQLSTATE_DATA_CORRUPTED);
            RowValue one;
            if (row.column_count > 1) {
                assert_state(row_column(narrow, row.record, row.size, 0, &one),
                             SQLSTATE_DATA_CORRUPTED);
            }
        }
        free(row.record);
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

/* check_corrupt_copy: a damaged record of exactly size bytes: validate gives XX001 or
 * success; when it succeeds, every column reads within the record. Returns validate's verdict. */
static bool check_corrupt_copy(const RowLayout *layout, size_t column_count, const uint8_t *bytes,
                               size_t size)
{
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (size > 0) memcpy(copy, bytes, size);
    Error *err = row_validate(layout, copy, size);
    bool valid = err == NULL;
    if (err != NULL) {
        REQUIRE_STR_EQ(sqlstate_code(err->state), "XX001");
        err_free(err);
    }
    for (size_t col_idx = 0; col_idx < column_count; col_idx++) {
        RowValue value;
        err = row_column(layout, copy, size, col_idx, &value);
        if (err != NULL) {
            REQUIRE(!valid);
            REQUIRE_STR_EQ(sqlstate_code(err->state), "XX001");
            err_free(err);
            continue;
        }
        if (!value.is_null && col_idx < dec_u16le(copy + ROW_HEADER_COLUMN_COUNT_OFFSET)) {
            REQUIRE(value.bytes >= copy && value.bytes + value.size <= copy + size);
        }
    }
    free(copy);
    return valid;
}

START_TEST(test_row_truncated_and_garbled_records)
{
    Arena *arena = arena_create(64 * 1024);
    static TestRow row;
    for (int row_idx = 0; row_idx < scaled(400); row_idx++) {
        make_row(arena, &row);
        if (row.size > 4096) {   /* keep the every-prefix loop quick */
            free(row.record);
            arena_reset(arena);
            continue;
        }
        for (size_t size = 0; size < row.size; size++) {
            REQUIRE(!check_corrupt_copy(row.layout, row.column_count, row.record, size));
        }
        /* trailing garbage after the last value */
        uint8_t *longer = malloc(row.size + 3);
        memcpy(longer, row.record, row.size);
        memset(longer + row.size, 0xAB, 3);
        REQUIRE(!check_corrupt_copy(row.layout, row.column_count, longer, row.size + 3));
        free(longer);
        /* random flips in the structural part: XX001 or a record that still reads in bounds */
        uint8_t *garbled = malloc(row.size);
        for (int flip_round = 0; flip_round < 20; flip_round++) {
            memcpy(garbled, row.record, row.size);
            size_t structure_size = ROW_HEADER_SIZE + (row.column_count + 7) / 8 +
                                    (row.column_count > 0 ? 8 * row.column_count : 0);
            if (structure_size > row.size) structure_size = row.size;
            size_t flip_at = ROW_HEADER_FORMAT_OFFSET +
                             rng_below(structure_size - ROW_HEADER_FORMAT_OFFSET);
            garbled[flip_at] ^= (uint8_t)(1u << rng_below(8));
            check_corrupt_copy(row.layout, row.column_count, garbled, row.size);
        }
        free(garbled);
        free(row.record);
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

/* encode_fixed_case: a layout (var, fixed4, var) and values ("abc", 7, NULL). */
static uint8_t *encode_fixed_case(Arena *arena, RowLayout **layout_out, size_t *size_out)
{
    static const RowKind kinds[] = {ROW_KIND_VAR, ROW_KIND_FIXED4, ROW_KIND_VAR};
    static const uint8_t seven[4] = {7, 0, 0, 0};
    RowValue values[3] = {{false, (const uint8_t *)"abc", 3}, {false, seven, 4}, {true, NULL, 0}};
    assert_ok(row_layout_new(arena, kinds, 3, layout_out));
    assert_ok(row_size(*layout_out, values, size_out));
    /* 20 header + 1 bitmap + 4 fixed + 2 * 4 offsets + 3 bytes */
    REQUIRE_UEQ(*size_out, 36);
    uint8_t *record = malloc(*size_out);
    row_encode(*layout_out, &(RowHeader){5, ROW_XID_NONE, 0}, values, record, *size_out);
    return record;
}

START_TEST(test_row_specific_corruptions)
{
    Arena *arena = arena_create(4096);
    RowLayout *layout = NULL;
    size_t size = 0;
    uint8_t *record = encode_fixed_case(arena, &layout, &size);
    assert_ok(row_validate(layout, record, size));
    REQUIRE_UEQ(dec_u32le(record + 25), 36);   /* end of "abc" */
    REQUIRE_UEQ(dec_u32le(record + 29), 36);   /* NULL: empty */
    REQUIRE_UEQ(record[20], 0x04);             /* bitmap: column 2 NULL */
    RowValue value;
    assert_ok(row_column(layout, record, size, 0, &value));
    REQUIRE_UEQ(value.size, 3);
    REQUIRE(memcmp(value.bytes, "abc", 3) == 0);
    assert_ok(row_column(layout, record, size, 1, &value));
    REQUIRE_UEQ(dec_u32le(value.bytes), 7);

    struct {
        size_t at;
        uint8_t byte;
        bool column_read_fails;   /* row_column(…, 0) fails too, not only row_validate */
    } cases[] = {
        {ROW_HEADER_FORMAT_OFFSET, 2, true},         /* unknown format */
        {ROW_HEADER_COLUMN_COUNT_OFFSET, 4, true},   /* more columns than the table */
        {ROW_HEADER_COLUMN_COUNT_OFFSET + 1, 1, true},
        {20, 0x0C, false},                           /* NULL bit past the last column */
        {20, 0x06, false},                           /* fixed NULL column with bytes */
        {25, 37, true},                              /* end offset past the record */
        {25, 20, true},                              /* end offset before the data */
        {25, 35, false},                             /* NULL value with a byte */
        {29, 35, false},                             /* trailing byte / decreasing offsets */
        {28, 1, false},                              /* huge last offset */
    };
    for (size_t case_idx = 0; case_idx < sizeof cases / sizeof cases[0]; case_idx++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, record, size);
        copy[cases[case_idx].at] = cases[case_idx].byte;
        Error *err = row_validate(layout, copy, size);
        REQUIRE_MSG(err != NULL, "case %zu validated", case_idx);
        REQUIRE_STR_EQ(sqlstate_code(err->state), "XX001");
        REQUIRE(NULL != strstr(err->message, "corrupt row record"));
        err_free(err);
        err = row_column(layout, copy, size, 0, &value);
        if (cases[case_idx].column_read_fails) {
            assert_state(err, SQLSTATE_DATA_CORRUPTED);
        } else if (err != NULL) {
            err_free(err);
        }
        free(copy);
    }
    /* a previous value's end pointing into the header: the next value would start there */
    static const RowKind two_var[] = {ROW_KIND_VAR, ROW_KIND_VAR};
    RowValue two_values[2] = {{false, (const uint8_t *)"ab", 2}, {false, (const uint8_t *)"cd", 2}};
    RowLayout *two_layout = NULL;
    size_t two_size = 0;
    assert_ok(row_layout_new(arena, two_var, 2, &two_layout));
    assert_ok(row_size(two_layout, two_values, &two_size));
    REQUIRE_UEQ(two_size, 33);
    uint8_t *two = malloc(two_size);
    row_encode(two_layout, &(RowHeader){1, 0, 0}, two_values, two, two_size);
    assert_ok(row_column(two_layout, two, two_size, 1, &value));
    REQUIRE(value.size == 2 && memcmp(value.bytes, "cd", 2) == 0);
    two[21] = 22;   /* end of "ab" (data starts at 29) */
    assert_state(row_column(two_layout, two, two_size, 1, &value), SQLSTATE_DATA_CORRUPTED);
    assert_state(row_validate(two_layout, two, two_size), SQLSTATE_DATA_CORRUPTED);
    free(two);

    RowHeader header;
    assert_state(row_header_read(record, ROW_HEADER_SIZE - 1, &header), SQLSTATE_DATA_CORRUPTED);
    assert_state(row_column(layout, record, 5, 1, &value), SQLSTATE_DATA_CORRUPTED);
    assert_state(row_validate(layout, record, 0), SQLSTATE_DATA_CORRUPTED);
    free(record);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_row_limits_and_empty_layout)
{
    Arena *arena = arena_create(4096);
    static RowKind kinds[ROW_COLUMN_COUNT_MAX + 1];
    RowLayout *layout = NULL;
    assert_state(row_layout_new(arena, kinds, ROW_COLUMN_COUNT_MAX + 1, &layout),
                 SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    assert_ok(row_layout_new(arena, kinds, ROW_COLUMN_COUNT_MAX, &layout));
    REQUIRE_UEQ(row_layout_column_count(layout), ROW_COLUMN_COUNT_MAX);

    /* a row bigger than 4 GiB cannot be encoded: the size check reads no value bytes */
    static const RowKind two_var[] = {ROW_KIND_VAR, ROW_KIND_VAR};
    assert_ok(row_layout_new(arena, two_var, 2, &layout));
    static const uint8_t dummy[1];
    RowValue huge[2] = {{false, dummy, ROW_SIZE_MAX / 2}, {false, dummy, ROW_SIZE_MAX / 2 + 10}};
    size_t size = 0;
    assert_state(row_size(layout, huge, &size), SQLSTATE_PROGRAM_LIMIT_EXCEEDED);

    /* a table without columns still has a header */
    assert_ok(row_layout_new(arena, NULL, 0, &layout));
    assert_ok(row_size(layout, NULL, &size));
    REQUIRE_UEQ(size, ROW_HEADER_SIZE);
    uint8_t record[ROW_HEADER_SIZE];
    row_encode(layout, &(RowHeader){1, 2, 3}, NULL, record, sizeof record);
    assert_ok(row_validate(layout, record, sizeof record));
    RowHeader header;
    assert_ok(row_header_read(record, sizeof record, &header));
    REQUIRE_UEQ(header.xid, 1);
    REQUIRE_UEQ(header.delete_xid, 2);
    REQUIRE_UEQ(header.flags, 3);
    arena_destroy(arena);
}
END_TEST

static Suite *row_suite(void)
{
    Suite *suite = suite_create("row");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_row_round_trip_random_layouts);
    tcase_add_test(tcase, test_row_header_update_in_place);
    tcase_add_test(tcase, test_row_short_record_reads_added_columns);
    tcase_add_test(tcase, test_row_truncated_and_garbled_records);
    tcase_add_test(tcase, test_row_specific_corruptions);
    tcase_add_test(tcase, test_row_limits_and_empty_layout);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(row_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
