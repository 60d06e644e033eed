/* planner/catalog_stats.c: the statistics row of a table with ANALYZE's extra fields.
 *
 * The row's value is cat_stats_encode's bytes (what catalog_get_stats decodes; its decoder
 * ignores what follows) and then a trailer:
 *   per column: i16 attnum, u32 type_id, i32 avg_width, f64 correlation   (column_count times)
 *   u64 root page of the table tree analyzed
 *   u32 size of the trailer before this field, u32 magic CAT_STATS_MAGIC
 * so a reader finds the trailer from the end and an older row (no magic) still loads.
 * Integers little-endian; doubles by their IEEE bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "planner/catalog_int.h"
#include "storage/row.h"

enum {
    CAT_STATS_MAGIC = 0x42535831u,                /* "BSX1" */
    CAT_STATS_COLUMN_SIZE = 2 + 4 + 4 + 8,
    CAT_STATS_TAIL_SIZE = 8 + 4 + 4,
};

static void put_f64_at(uint8_t *dst, double value)
{
    uint64_t bits = 0;
    memcpy(&bits, &value, sizeof bits);
    enc_u64le(dst, bits);
}

static double get_f64_at(const uint8_t *src)
{
    uint64_t bits = dec_u64le(src);
    double value = 0;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* encode_row_value: the base bytes followed by the trailer, malloc'd. */
static Error *encode_row_value(const CatStats *stats, uint8_t **bytes_out, size_t *size_out)
{
    uint8_t *base = NULL;
    size_t base_size = 0;
    TRY(cat_stats_encode(stats->base, &base, &base_size));
    uint16_t column_count = stats->base->column_count;
    size_t trailer_size = (size_t)column_count * CAT_STATS_COLUMN_SIZE;
    size_t size = base_size + trailer_size + CAT_STATS_TAIL_SIZE;
    uint8_t *bytes = realloc(base, size);
    if (bytes == NULL) {
        free(base);
        return cat_oom();
    }
    uint8_t *at = bytes + base_size;
    for (uint16_t col_idx = 0; col_idx < column_count; col_idx++) {
        const CatStatsColumn *column = &stats->columns[col_idx];
        enc_u16le(at, (uint16_t)column->attnum);
        enc_u32le(at + 2, column->type_id);
        enc_u32le(at + 6, (uint32_t)column->avg_width);
        put_f64_at(at + 10, column->correlation);
        at += CAT_STATS_COLUMN_SIZE;
    }
    enc_u64le(at, stats->root);
    enc_u32le(at + 8, (uint32_t)trailer_size);
    enc_u32le(at + 12, CAT_STATS_MAGIC);
    *bytes_out = bytes;
    *size_out = size;
    return NULL;
}

/* decode_trailer: the CatStatsColumn array and root from the end of bytes (zeros if none). */
static Error *decode_trailer(const uint8_t *bytes, size_t size, uint16_t column_count,
                             Arena *arena, CatStats *stats)
{
    CatStatsColumn *columns = arena_calloc(arena, (column_count + 1u) * sizeof *columns);
    if (columns == NULL) return cat_oom();
    for (uint16_t col_idx = 0; col_idx < column_count; col_idx++) columns[col_idx].correlation = NAN;
    stats->columns = columns;
    stats->root = 0;
    if (size < CAT_STATS_TAIL_SIZE) return NULL;
    const uint8_t *tail = bytes + size - CAT_STATS_TAIL_SIZE;
    if (dec_u32le(tail + 12) != CAT_STATS_MAGIC) return NULL;
    size_t trailer_size = dec_u32le(tail + 8);
    if (trailer_size != (size_t)column_count * CAT_STATS_COLUMN_SIZE ||
        trailer_size > size - CAT_STATS_TAIL_SIZE) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "statistics record has a bad trailer");
    }
    const uint8_t *at = tail - trailer_size;
    for (uint16_t col_idx = 0; col_idx < column_count; col_idx++) {
        columns[col_idx].attnum = (int16_t)dec_u16le(at);
        columns[col_idx].type_id = dec_u32le(at + 2);
        columns[col_idx].avg_width = (int32_t)dec_u32le(at + 6);
        columns[col_idx].correlation = get_f64_at(at + 10);
        at += CAT_STATS_COLUMN_SIZE;
    }
    stats->root = dec_u64le(tail);
    return NULL;
}

Error *catalog_stats_store(Catalog *catalog, Txn *txn, uint32_t table_oid, const CatStats *stats)
{
    ASSERT(stats->base != NULL);
    uint8_t *bytes = NULL;
    size_t bytes_size = 0;
    TRY(encode_row_value(stats, &bytes, &bytes_size));
    Error *err = cat_stats_row_put(catalog, txn, table_oid, bytes, bytes_size);
    free(bytes);
    return err;
}

Error *catalog_stats_load(Catalog *catalog, Txn *txn, uint32_t table_oid, Arena *arena,
                          const CatStats **stats_out)
{
    *stats_out = NULL;
    BtBuf record = {0};
    RowValue value;
    bool found = false;
    Error *err = cat_stats_row_get(catalog, txn, table_oid, &record, &value, &found);
    if (err == NULL && found) {
        const CatTableStats *base = NULL;
        CatStats *stats = arena_calloc(arena, sizeof *stats);
        if (stats == NULL) err = cat_oom();
        if (err == NULL) err = cat_stats_decode(value.bytes, value.size, arena, &base);
        if (err == NULL) {
            stats->base = base;
            err = decode_trailer(value.bytes, value.size, base->column_count, arena, stats);
        }
        if (err == NULL) *stats_out = stats;
    }
    bt_buf_free(&record);
    return err;
}

const CatColumnStats *catalog_stats_column(const CatStats *stats, const CatTable *table,
                                           uint16_t col_idx, const CatStatsColumn **ext_out)
{
    if (ext_out != NULL) *ext_out = NULL;
    if (stats == NULL || table == NULL || col_idx >= stats->base->column_count ||
        col_idx >= table->column_count || stats->root != table->root) {
        return NULL;
    }
    const CatColumn *column = &table->columns[col_idx];
    const CatStatsColumn *ext = &stats->columns[col_idx];
    if (column->dropped || ext->attnum != column->attnum || ext->type_id != column->type.id) {
        return NULL;
    }
    if (ext_out != NULL) *ext_out = ext;
    return &stats->base->columns[col_idx];
}
