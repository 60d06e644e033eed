/* executor/op_scan.c: table scans and index scans.
 *
 * Both produce chunks of up to VEC_VALUE_COUNT_MAX rows holding only plan->scan_attnums
 * (CAT_ATTNUM_ROWKEY: the row key bytes as bytea; CAT_ATTNUM_XID: the version's writer xid as
 * int8), then apply the pushed-down filter (expr_filter). Rows come from one of three sources:
 * - a txn cursor over the table tree (MVCC visibility inside txn/), for sequential scans and
 *   forward range scans of a table clustered on its integer key (plan->index NULL);
 * - a B+ tree cursor walking the table tree backwards, each key fetched through txn_row_get
 *   (backward scans of a clustered table);
 * - a B+ tree cursor over a secondary index (forward or backward): each entry's header is
 *   checked with txn_index_entry_visible, then the row version visible to the snapshot is
 *   fetched with txn_index_recheck and kept only if its indexed columns still encode to the
 *   entry's key.
 *
 * Index bounds (IndexBounds) become a [lo, hi) key range at open and at every rescan (bound
 * values may read outer values): the equality prefix P, then on the next column the range
 * turned into key order (a DESC column swaps lo and hi) with NULLs excluded: an open end stops
 * at (or starts after) the NULL encoding of that column. A NULL bound value gives no rows.
 *
 * Batches grow from a small capacity (est_rows) by doubling, so a point lookup never reserves
 * 2048-row vectors.
 *
 * Sequential scans without row locks read page at a time (txn_page_scan: the visible rows of one
 * leaf copy per call, visibility decided by txn/ with a fast path for old committed versions)
 * and decode column at a time straight into the batch vectors: fixed-width columns of the
 * integer, float and boolean forms are read at their fixed offsets with the record's NULL bit
 * (no per-row call); every other column (strings, numerics, intervals, columns a record
 * predates) goes through rowcodec_decode_column per row.
 *
 * Late materialization (page path): when the pushed-down filter reads only some of the projected
 * columns (and nothing but columns, constants, parameters and scalar operators), each leaf's
 * rows get those columns decoded into a scratch chunk, the filter runs there, and only the rows
 * it keeps are decoded into the batch (every column, so the batch needs no selection). The
 * filter sees every visible row exactly once, as before; only fewer values are decoded.
 */
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/bytes_load.h"
#include "executor/op_int.h"

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

typedef enum ScanSource {
    SOURCE_PAGES,           /* table tree, forward, a leaf page per txn_page_scan_next */
    SOURCE_TXN_CURSOR,      /* table tree, forward, visibility by txn/ */
    SOURCE_TABLE_BACKWARD,  /* table tree, backward: bt cursor + txn_row_get */
    SOURCE_INDEX,           /* secondary index: bt cursor + entry visibility + recheck */
} ScanSource;

/* ColDecode: how the page path decodes one projected column. */
typedef enum DecodeMode {
    DECODE_GENERIC,         /* rowcodec_decode_column per row */
    DECODE_FIXED1_BOOL,
    DECODE_FIXED2_I16,
    DECODE_FIXED4_I32,
    DECODE_FIXED8_I64,
    DECODE_FIXED4_F32,
    DECODE_FIXED8_F64,
} DecodeMode;

typedef struct ColDecode {
    DecodeMode mode;
    uint32_t   col_idx;        /* attnum - 1 */
    uint32_t   fixed_offset;   /* from the start of the fixed area */
    uint32_t   width;
} ColDecode;

/* FusedCmp (scanpath): one term `column OP constant` of a fused filter: the column is a projected
 * integer column read at its fixed offset (decode mode DECODE_FIXED2_I16/4_I32/8_I64), the
 * constant a column-free expression evaluated once per open. */
typedef enum FusedOp { FUSED_EQ, FUSED_NE, FUSED_LT, FUSED_LE, FUSED_GT, FUSED_GE } FusedOp;
enum { FUSED_CMP_MAX = 8 };

typedef struct FusedCmp {
    uint32_t   scan_idx;       /* the projected column */
    FusedOp    op;
    ExprState *value;          /* the constant side */
    int64_t    constant;       /* its value (fused_ready) */
} FusedCmp;

typedef struct ScanOp {
    Op              base;
    const CatTable *table;
    const CatIndex *index;
    ScanSource      source;
    bool            backward;
    ExprState      *filter;
    ExprState     **eq_values;
    ExprState      *lo;
    ExprState      *hi;
    OpBatch         batch;
    uint32_t        capacity_start;
    /* range */
    bool            empty;          /* a NULL bound: no rows */
    uint8_t        *lo_bytes;
    uint8_t        *hi_bytes;
    KeyBuf          lo_key;
    KeyBuf          hi_key;
    bool            has_lo;
    bool            has_hi;
    /* cursors */
    TxnPageScan    *page_scan;      /* SOURCE_PAGES */
    const TxnScanRow *page_rows;
    size_t          page_count;
    size_t          page_pos;
    BtRowShape      page_shape;     /* storage's shape of page_rows (txn_page_scan_shape) */
    ColDecode      *decode;         /* per projected column (SOURCE_PAGES) */
    uint32_t        fixed_end;      /* max fixed_offset + width of the fixed-mode columns */
    bool            late;           /* late materialization (see the top comment) */
    bool           *filter_reads;   /* late: per projected column, does the filter read it? */
    DataChunk       filter_chunk;   /* late: the filter's columns of one leaf (batch arena) */
    TxnScanRow     *picked;         /* late: the rows the filter kept (VEC_VALUE_COUNT_MAX) */
    FusedCmp       *fused;          /* fused filter (see the top comment), fused_count terms */
    uint32_t        fused_count;
    bool            fused_ready;    /* the terms' constants are evaluated for this open */
    bool            fused_none;     /* a constant is NULL: no row passes */
    uint16_t       *fused_sel;      /* the rows a fused filter kept (VEC_VALUE_COUNT_MAX) */
    TxnCursor      *txn_cursor;
    BtCursor       *bt_cursor;
    bool            started;
    bool            done;
    BtBuf           value;          /* index entry value / fetched record */
    BtBuf           record;
    uint8_t         key_copy[KEY_SIZE_MAX];
    size_t          key_copy_size;
    Arena          *scratch;        /* bounds and rechecks */
    /* SELECT ... FOR UPDATE / SHARE: per batch row, its key and writer xid (batch arena) */
    uint8_t       **row_keys;
    uint32_t       *row_key_sizes;
    uint64_t       *row_xids;
} ScanOp;

enum { LOCK_ATTEMPT_MAX = 1000 };
/* Page path (session 10): after each column (and each fused term) of a leaf slice, prefetch
 * this many more lines of the next leaf (txn_page_scan_prefetch): storage starts only the first
 * lines of it, and issuing the rest in small bursts between decode steps lets the DRAM reads
 * overlap the decoding instead of stalling one burst of a whole page (bench_sql's 10M scan:
 * ~83 -> ~67 ms median, quiet; steps of 16, 20 and 32 were no better than 24). */
enum { SCAN_PREFETCH_STEP_LINES = 24 };

/* ---------------------------------------------------------------- bounds ---- */

static Error *eval_bound(ScanOp *scan, ExprState *state, Vector *value_out)
{
    TRY(expr_eval_const(state, scan->scratch, value_out));
    if (vec_is_null(value_out, 0)) scan->empty = true;
    return NULL;
}

static KeyDir column_dir(const ScanOp *scan, uint32_t key_idx)
{
    return scan->index != NULL ? rowcodec_index_dir(scan->index, key_idx) : KEY_ASC;
}

/* range_bound: append value (or nothing) to a copy of the prefix in key. */
static Error *build_bounds(ScanOp *scan)
{
    const IndexBounds *bounds = &scan->base.plan->bounds;
    arena_reset(scan->scratch);
    scan->empty = false;
    scan->has_lo = false;
    scan->has_hi = false;
    key_buf_init(&scan->lo_key, scan->lo_bytes, KEY_SIZE_MAX);
    key_buf_init(&scan->hi_key, scan->hi_bytes, KEY_SIZE_MAX);
    /* equality prefix, in both keys */
    for (uint32_t idx = 0; idx < bounds->eq_count; idx++) {
        Vector value;
        TRY(eval_bound(scan, scan->eq_values[idx], &value));
        if (scan->empty) return NULL;
        KeyDir dir = column_dir(scan, idx);
        TRY(rowcodec_key_append(&scan->lo_key, dir, &value, 0));
        TRY(rowcodec_key_append(&scan->hi_key, dir, &value, 0));
    }
    bool has_range = bounds->lo != NULL || bounds->hi != NULL;
    if (!has_range) {
        if (bounds->eq_count == 0) return NULL;     /* the whole tree */
        scan->has_lo = true;
        scan->has_hi = true;
        return key_append_prefix_end(&scan->hi_key);
    }
    KeyDir dir = column_dir(scan, bounds->eq_count);
    bool descending = (dir & 1) != 0;
    bool nulls_first = (dir & 2) != 0;
    /* in key order: the low end comes from the value lo for ASC, from hi for DESC */
    ExprState *key_low = descending ? scan->hi : scan->lo;
    bool low_inclusive = descending ? bounds->hi_inclusive : bounds->lo_inclusive;
    ExprState *key_high = descending ? scan->lo : scan->hi;
    bool high_inclusive = descending ? bounds->lo_inclusive : bounds->hi_inclusive;
    scan->has_lo = true;
    scan->has_hi = true;
    if (key_low != NULL) {
        Vector value;
        TRY(eval_bound(scan, key_low, &value));
        if (scan->empty) return NULL;
        TRY(rowcodec_key_append(&scan->lo_key, dir, &value, 0));
        if (!low_inclusive) TRY(key_append_prefix_end(&scan->lo_key));
    } else if (nulls_first) {
        TRY(key_append_null(&scan->lo_key, dir));
        TRY(key_append_prefix_end(&scan->lo_key));
    } else if (bounds->eq_count == 0) {
        scan->has_lo = false;
    }
    if (key_high != NULL) {
        Vector value;
        TRY(eval_bound(scan, key_high, &value));
        if (scan->empty) return NULL;
        TRY(rowcodec_key_append(&scan->hi_key, dir, &value, 0));
        if (high_inclusive) TRY(key_append_prefix_end(&scan->hi_key));
    } else if (!nulls_first) {
        TRY(key_append_null(&scan->hi_key, dir));
    } else if (bounds->eq_count == 0) {
        scan->has_hi = false;
    } else {
        TRY(key_append_prefix_end(&scan->hi_key));
    }
    return NULL;
}

/* ---------------------------------------------------------------- cursors ---- */

static void cursors_close(ScanOp *scan)
{
    if (scan->page_scan != NULL) txn_page_scan_close(scan->page_scan);
    scan->page_scan = NULL;
    scan->fused_ready = false;      /* parameters may differ at the next open */
    scan->page_rows = NULL;
    scan->page_count = 0;
    scan->page_pos = 0;
    if (scan->txn_cursor != NULL) txn_cursor_close(scan->txn_cursor);
    scan->txn_cursor = NULL;
    if (scan->bt_cursor != NULL) bt_cursor_close(scan->bt_cursor);
    scan->bt_cursor = NULL;
    scan->started = false;
    scan->done = false;
}

static Error *cursors_open(ScanOp *scan)
{
    cursors_close(scan);
    ExecCtx *ctx = scan->base.ctx;
    if (scan->base.plan->kind == PLAN_INDEX_SCAN) {
        TRY(build_bounds(scan));
        if (scan->empty) {
            scan->done = true;
            return NULL;
        }
    }
    const uint8_t *lo = scan->has_lo ? scan->lo_key.bytes : NULL;
    size_t lo_size = scan->has_lo ? scan->lo_key.size : 0;
    const uint8_t *hi = scan->has_hi ? scan->hi_key.bytes : NULL;
    size_t hi_size = scan->has_hi ? scan->hi_key.size : 0;
    if (lo != NULL && hi != NULL && key_compare(lo, lo_size, hi, hi_size) >= 0) {
        scan->done = true;     /* an empty range */
        return NULL;
    }
    if (scan->source == SOURCE_PAGES) {
        return txn_page_scan_open(ctx->txn, scan->table->tree, lo, lo_size, hi, hi_size,
                                  &scan->page_scan);
    }
    if (scan->source == SOURCE_TXN_CURSOR) {
        return txn_cursor_open(ctx->txn, scan->table->tree, lo, lo_size, hi, hi_size,
                               &scan->txn_cursor);
    }
    BTree *tree = scan->source == SOURCE_INDEX ? scan->index->tree : scan->table->tree;
    TRY(bt_cursor_open(tree, &scan->bt_cursor));
    return bt_cursor_set_range(scan->bt_cursor, lo, lo_size, hi, hi_size);
}

/* bt_step: the first or next entry of the bt cursor in scan order. */
static Error *bt_step(ScanOp *scan)
{
    if (!scan->started) {
        scan->started = true;
        return scan->backward ? bt_cursor_last(scan->bt_cursor) : bt_cursor_first(scan->bt_cursor);
    }
    return scan->backward ? bt_cursor_prev(scan->bt_cursor) : bt_cursor_next(scan->bt_cursor);
}

/* read_entry: copy the current entry's value; false when it vanished under us (purge, undo). */
static Error *read_entry(ScanOp *scan, BtBuf *buf, bool *present_out)
{
    Error *err = bt_cursor_value(scan->bt_cursor, buf);
    *present_out = err == NULL;
    if (err != NULL && err->state == SQLSTATE_INVALID_CURSOR_STATE) {
        err_free(err);
        return NULL;
    }
    return err;
}

typedef struct RecheckCtx {
    ScanOp        *scan;
    const uint8_t *entry_key;
    size_t         prefix_size;
    Error         *err;
} RecheckCtx;

/* recheck_match: do the record's indexed columns encode to the entry's key prefix? */
static bool recheck_match(void *ctx, const uint8_t *record, size_t record_size)
{
    RecheckCtx *recheck = ctx;
    ScanOp *scan = recheck->scan;
    const CatIndex *index = scan->index;
    uint8_t bytes[KEY_SIZE_MAX];
    KeyBuf buf;
    key_buf_init(&buf, bytes, sizeof bytes);
    for (uint32_t key_idx = 0; key_idx < index->key_count; key_idx++) {
        int16_t attnum = index->attnums[key_idx];
        Vector value;
        vec_init(&value, scan->table->columns[attnum - 1].type, scan->scratch);
        if (value.phys == VEC_PHYS_NUM64) {
            vec_init_phys(&value, value.type, VEC_PHYS_NUMERIC, 0, scan->scratch);
        }
        Error *err = vec_reserve(&value, 1);
        if (err == NULL) {
            err = rowcodec_decode_column(scan->table, attnum, record, record_size, NULL, 0,
                                         &value, 0);
        }
        if (err == NULL) {
            err = rowcodec_key_append(&buf, rowcodec_index_dir(index, key_idx), &value, 0);
        }
        if (err != NULL) {
            if (recheck->err == NULL) recheck->err = err;
            else err_free(err);
            return false;
        }
    }
    return buf.size == recheck->prefix_size &&
           memcmp(buf.bytes, recheck->entry_key, buf.size) == 0;
}

/* next_row: the next visible row (key, record) in scan order; *found_out false at the end.
 * The pointers are valid until the next call. */
static Error *next_row(ScanOp *scan, const uint8_t **key_out, size_t *key_size_out,
                       const uint8_t **record_out, size_t *record_size_out, bool *found_out)
{
    *found_out = false;
    if (scan->done) return NULL;
    Txn *txn = scan->base.ctx->txn;
    if (scan->source == SOURCE_TXN_CURSOR) {
        bool found;
        TRY(txn_cursor_next(scan->txn_cursor, &found));
        if (!found) {
            scan->done = true;
            return NULL;
        }
        *key_out = txn_cursor_key(scan->txn_cursor, key_size_out);
        *record_out = txn_cursor_record(scan->txn_cursor, record_size_out);
        *found_out = true;
        return NULL;
    }
    for (;;) {
        TRY(bt_step(scan));
        if (!bt_cursor_valid(scan->bt_cursor)) {
            scan->done = true;
            return NULL;
        }
        size_t key_size;
        const uint8_t *key = bt_cursor_key(scan->bt_cursor, &key_size);
        if (key_size > sizeof scan->key_copy) {
            return err_new(SQLSTATE_INDEX_CORRUPTED, "key of %zu bytes in relation \"%s\"",
                           key_size, scan->table->name);
        }
        memcpy(scan->key_copy, key, key_size);
        scan->key_copy_size = key_size;
        if (scan->source == SOURCE_TABLE_BACKWARD) {
            bool found;
            TRY(txn_row_get(txn, scan->table->tree, scan->key_copy, key_size, &scan->record,
                            &found));
            if (!found) continue;
            *key_out = scan->key_copy;
            *key_size_out = key_size;
            *record_out = scan->record.data;
            *record_size_out = scan->record.size;
            *found_out = true;
            return NULL;
        }
        bool present;
        TRY(read_entry(scan, &scan->value, &present));
        if (!present) continue;
        bool visible;
        TRY(txn_index_entry_visible(txn, scan->value.data, scan->value.size, &visible));
        if (!visible) continue;
        if (key_size < ROWCODEC_ROW_KEY_SIZE) {
            return err_new(SQLSTATE_INDEX_CORRUPTED, "index entry of %zu bytes in index \"%s\"",
                           key_size, scan->index->name);
        }
        const uint8_t *row_key = scan->key_copy + key_size - ROWCODEC_ROW_KEY_SIZE;
        RecheckCtx recheck = { .scan = scan, .entry_key = scan->key_copy,
                               .prefix_size = key_size - ROWCODEC_ROW_KEY_SIZE };
        Error *err = txn_index_recheck(txn, scan->table->tree, row_key, ROWCODEC_ROW_KEY_SIZE,
                                       recheck_match, &recheck, &scan->record, &visible);
        if (err == NULL) err = recheck.err;
        else if (recheck.err != NULL) err_free(recheck.err);
        TRY(err);
        if (!visible) continue;
        *key_out = row_key;
        *key_size_out = ROWCODEC_ROW_KEY_SIZE;
        *record_out = scan->record.data;
        *record_size_out = scan->record.size;
        *found_out = true;
        return NULL;
    }
}

/* ---------------------------------------------------------------- the op ---- */

static Error *scan_open(Op *op)
{
    ScanOp *scan = (ScanOp *)op;
    return cursors_open(scan);
}

static Error *grow_batch(ScanOp *scan, uint32_t rows)
{
    DataChunk *chunk = &scan->batch.chunk;
    uint32_t capacity = chunk->column_count > 0 ? chunk->columns[0].capacity : 0;
    if (rows <= capacity) return NULL;
    uint32_t grown = capacity < scan->capacity_start ? scan->capacity_start : capacity * 2;
    if (grown < rows) grown = rows;
    if (grown > VEC_VALUE_COUNT_MAX) grown = VEC_VALUE_COUNT_MAX;
    return chunk_reserve(chunk, grown);
}

/* ------------------------------------------------------------ page path ---- */

static Error *page_corrupt(const ScanOp *scan, const ColDecode *decode, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "invalid stored value in column %u of relation \"%s\": %s",
                   decode->col_idx + 1, scan->table->name, what);
}

/* decode_init: choose each projected column's decode mode (once per op). */
static Error *decode_init(ScanOp *scan)
{
    const Plan *plan = scan->base.plan;
    scan->decode = arena_calloc(scan->base.ctx->arena, (plan->scan_count + 1) * sizeof(ColDecode));
    if (scan->decode == NULL) return oom();
    const RowLayout *layout = scan->table->layout;
    for (uint32_t idx = 0; idx < plan->scan_count; idx++) {
        ColDecode *decode = &scan->decode[idx];
        int16_t attnum = plan->scan_attnums[idx];
        decode->mode = DECODE_GENERIC;
        if (attnum < 1 || attnum > scan->table->column_count) continue;
        if (scan->table->columns[attnum - 1].dropped) continue;
        size_t col_idx = (size_t)(attnum - 1);
        if (layout == NULL || col_idx >= row_layout_column_count(layout)) continue;
        RowKind kind = row_layout_kind(layout, col_idx);
        Vector probe;
        vec_init(&probe, plan->types[idx], scan->base.ctx->arena);
        DecodeMode mode = DECODE_GENERIC;
        switch ((VecPhys)probe.phys) {
        case VEC_PHYS_BOOL: if (kind == ROW_KIND_FIXED1) mode = DECODE_FIXED1_BOOL; break;
        case VEC_PHYS_I16: if (kind == ROW_KIND_FIXED2) mode = DECODE_FIXED2_I16; break;
        case VEC_PHYS_I32: if (kind == ROW_KIND_FIXED4) mode = DECODE_FIXED4_I32; break;
        case VEC_PHYS_I64: if (kind == ROW_KIND_FIXED8) mode = DECODE_FIXED8_I64; break;
        case VEC_PHYS_F32: if (kind == ROW_KIND_FIXED4) mode = DECODE_FIXED4_F32; break;
        case VEC_PHYS_F64: if (kind == ROW_KIND_FIXED8) mode = DECODE_FIXED8_F64; break;
        default: break;
        }
        if (mode == DECODE_GENERIC) continue;
        decode->mode = mode;
        decode->col_idx = (uint32_t)col_idx;
        decode->fixed_offset = (uint32_t)row_layout_fixed_offset(layout, col_idx);
        decode->width = (uint32_t)kind;
        if (decode->fixed_offset + decode->width > scan->fixed_end) {
            scan->fixed_end = decode->fixed_offset + decode->width;
        }
    }
    return NULL;
}

/* SliceShape: what every row of a leaf slice has in common, found in one pass so that each
 * fixed-width column whose value no row of the slice has NULL is read with one load per row
 * (no length, column-count or NULL test per row and column). */
enum { SHAPE_NULL_BYTES_MAX = 8 };     /* tables of up to 64 columns take the uniform loop */
STATIC_ASSERT((int)SHAPE_NULL_BYTES_MAX <= (int)BT_ROW_SHAPE_NULL_BYTES, "storage's shape covers the bitmap");
typedef struct SliceShape {
    bool     uniform;                        /* same column_count, long enough for fixed_end */
    uint32_t column_count;
    uint8_t  nulls[SHAPE_NULL_BYTES_MAX];    /* OR of the rows' NULL bitmaps */
} SliceShape;

static void slice_shape(const ScanOp *scan, const TxnScanRow *rows, uint32_t count,
                        SliceShape *shape)
{
    memset(shape, 0, sizeof *shape);
    if (count == 0 || rows[0].record_size < ROW_HEADER_SIZE) return;
    uint32_t column_count = load_u16le(rows[0].record + ROW_HEADER_COLUMN_COUNT_OFFSET);
    uint32_t null_size = (column_count + 7) / 8;
    if (null_size > SHAPE_NULL_BYTES_MAX) return;
    size_t need = (size_t)ROW_HEADER_SIZE + null_size + scan->fixed_end;
    const BtRowShape *page = &scan->page_shape;
    if (page->uniform && page->column_count == column_count && page->record_size_min >= need) {
        /* (scanpath) storage's pass over the leaf found it: the rows are a subset of the leaf */
        shape->uniform = true;
        shape->column_count = column_count;
        memcpy(shape->nulls, page->nulls, null_size);
        return;
    }
    uint8_t nulls[SHAPE_NULL_BYTES_MAX] = { 0 };
    for (uint32_t pos = 0; pos < count; pos++) {
        const uint8_t *record = rows[pos].record;
        if (rows[pos].record_size < need) return;
        if (load_u16le(record + ROW_HEADER_COLUMN_COUNT_OFFSET) != column_count) return;
        for (uint32_t byte = 0; byte < null_size; byte++) nulls[byte] |= record[ROW_HEADER_SIZE + byte];
    }
    shape->uniform = true;
    shape->column_count = column_count;
    memcpy(shape->nulls, nulls, sizeof nulls);
}

/* decode_uniform: a fixed-width column no row of a uniform slice has NULL: one load per row. */
static void decode_uniform(const ColDecode *decode, const SliceShape *shape,
                           const TxnScanRow *rows, uint32_t count, Vector *out, uint32_t base)
{
    uint32_t offset = ROW_HEADER_SIZE + (shape->column_count + 7) / 8 + decode->fixed_offset;
#define UNIFORM_LOOP(T, LOAD)                                                                \
    do {                                                                                     \
        T *values = (T *)out->data + base;                                                   \
        for (uint32_t pos = 0; pos < count; pos++) {                                         \
            const uint8_t *bytes = rows[pos].record + offset;                                \
            LOAD;                                                                            \
        }                                                                                    \
    } while (0)
    switch (decode->mode) {
    case DECODE_FIXED1_BOOL: UNIFORM_LOOP(uint8_t, values[pos] = bytes[0] != 0); break;
    case DECODE_FIXED2_I16: UNIFORM_LOOP(int16_t, values[pos] = (int16_t)load_u16le(bytes)); break;
    case DECODE_FIXED4_I32: UNIFORM_LOOP(int32_t, values[pos] = (int32_t)load_u32le(bytes)); break;
    case DECODE_FIXED8_I64: UNIFORM_LOOP(int64_t, values[pos] = (int64_t)load_u64le(bytes)); break;
    case DECODE_FIXED4_F32: UNIFORM_LOOP(float, memcpy(&values[pos], bytes, 4)); break;
    case DECODE_FIXED8_F64: UNIFORM_LOOP(double, memcpy(&values[pos], bytes, 8)); break;
    case DECODE_GENERIC: break;
    }
#undef UNIFORM_LOOP
}

/* decode_rows: column idx of rows[0, count) into out rows [base, base + count); shape describes
 * a superset of the rows (NULL: unknown). */
static Error *decode_rows(ScanOp *scan, uint32_t idx, const TxnScanRow *rows, uint32_t count,
                          Vector *out, uint32_t base, const SliceShape *shape)
{
    const ColDecode *decode = &scan->decode[idx];
    int16_t attnum = scan->base.plan->scan_attnums[idx];
    if (decode->mode == DECODE_GENERIC) {
        for (uint32_t pos = 0; pos < count; pos++) {
            TRY(rowcodec_decode_column(scan->table, attnum, rows[pos].record, rows[pos].record_size,
                                       rows[pos].key, rows[pos].key_size, out, base + pos));
        }
        return NULL;
    }
    uint32_t col_idx = decode->col_idx;
    uint32_t null_byte = ROW_HEADER_SIZE + col_idx / 8;
    uint8_t null_mask = (uint8_t)(1u << (col_idx % 8));
    if (shape != NULL && shape->uniform && col_idx < shape->column_count &&
        (shape->nulls[col_idx / 8] & null_mask) == 0) {
        decode_uniform(decode, shape, rows, count, out, base);
        return NULL;
    }
    uint32_t width = decode->width;
    uint32_t fixed_offset = decode->fixed_offset;
    /* FIXED_LOOP: one type-specialized loop per mode (no per-row switch) */
#define FIXED_LOOP(T, LOAD)                                                                  \
    do {                                                                                     \
        T *values = (T *)out->data;                                                          \
        for (uint32_t pos = 0; pos < count; pos++) {                                         \
            const uint8_t *record = rows[pos].record;                                        \
            uint32_t size = rows[pos].record_size;                                           \
            uint32_t row = base + pos;                                                       \
            if (size < ROW_HEADER_SIZE) return page_corrupt(scan, decode, "short record");   \
            uint32_t column_count = load_u16le(record + ROW_HEADER_COLUMN_COUNT_OFFSET);      \
            if (col_idx >= column_count) {                                                   \
                /* the record predates the column: the layout's missing value */             \
                TRY(rowcodec_decode_column(scan->table, attnum, record, size, rows[pos].key,  \
                                           rows[pos].key_size, out, row));                   \
                continue;                                                                    \
            }                                                                                \
            uint32_t offset = ROW_HEADER_SIZE + (column_count + 7) / 8 + fixed_offset;       \
            if ((size_t)offset + width > size) {                                             \
                return page_corrupt(scan, decode, "record too short");                       \
            }                                                                                \
            if ((record[null_byte] & null_mask) != 0) {                                      \
                TRY(vec_set_null(out, row));                                                 \
                continue;                                                                    \
            }                                                                                \
            const uint8_t *bytes = record + offset;                                          \
            LOAD;                                                                            \
        }                                                                                    \
    } while (0)
    switch (decode->mode) {
    case DECODE_FIXED1_BOOL: FIXED_LOOP(uint8_t, values[row] = bytes[0] != 0); break;
    case DECODE_FIXED2_I16: FIXED_LOOP(int16_t, values[row] = (int16_t)load_u16le(bytes)); break;
    case DECODE_FIXED4_I32: FIXED_LOOP(int32_t, values[row] = (int32_t)load_u32le(bytes)); break;
    case DECODE_FIXED8_I64: FIXED_LOOP(int64_t, values[row] = (int64_t)load_u64le(bytes)); break;
    case DECODE_FIXED4_F32:
        FIXED_LOOP(float, uint32_t bits = load_u32le(bytes); memcpy(&values[row], &bits, 4));
        break;
    case DECODE_FIXED8_F64:
        FIXED_LOOP(double, uint64_t bits = load_u64le(bytes); memcpy(&values[row], &bits, 8));
        break;
    case DECODE_GENERIC: break;
    }
#undef FIXED_LOOP
    return NULL;
}

/* late_begin: the scratch chunk of a batch: the filter's columns get buffers for a whole batch,
 * the others are constant NULLs the filter never reads. */
static Error *late_begin(ScanOp *scan)
{
    const Plan *plan = scan->base.plan;
    DataChunk *probe = &scan->filter_chunk;
    TRY(chunk_init(probe, plan->types, plan->column_count, scan->batch.arena));
    for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) {
        Vector *vec = &probe->columns[col_idx];
        if (scan->filter_reads[col_idx]) {
            TRY(vec_reserve(vec, VEC_VALUE_COUNT_MAX));
        } else {
            TRY(vec_set_constant(vec));
            TRY(vec_set_null(vec, 0));
        }
    }
    return NULL;
}

/* ---------------------------------------------------------- fused filter ---- */

/* fused_prepare: evaluate the terms' constants (once per open, at the first slice: an error in
 * a constant surfaces only when a row is filtered, as with expr_filter). */
static Error *fused_prepare(ScanOp *scan)
{
    scan->fused_none = false;
    for (uint32_t term_idx = 0; term_idx < scan->fused_count; term_idx++) {
        FusedCmp *term = &scan->fused[term_idx];
        bool is_null = false;
        TRY(op_expr_eval_int64(term->value, scan->batch.arena, &term->constant, &is_null));
        if (is_null) scan->fused_none = true;     /* x OP NULL is NULL: the row is dropped */
    }
    scan->fused_ready = true;
    return NULL;
}

/* FUSED_LOOP: narrow (idx list) to the rows whose T value at offset passes OP constant; the
 * first term reads the slice's rows in order (in == NULL), later terms narrow in place.
 * Branch-free: every row is written, the count advances only for kept rows. */
#define FUSED_LOOP(T, LOAD, OP)                                                              \
    do {                                                                                     \
        T bound = (T)constant;                                                               \
        if (in == NULL) {                                                                    \
            for (uint32_t pos = 0; pos < count; pos++) {                                     \
                const uint8_t *bytes = rows[pos].record + offset;                            \
                T value = LOAD;                                                              \
                out[kept] = (uint16_t)pos;                                                   \
                kept += (value OP bound);                                                    \
            }                                                                                \
        } else {                                                                             \
            for (uint32_t pos = 0; pos < count; pos++) {                                     \
                uint16_t row = in[pos];                                                      \
                const uint8_t *bytes = rows[row].record + offset;                            \
                T value = LOAD;                                                              \
                out[kept] = row;                                                             \
                kept += (value OP bound);                                                    \
            }                                                                                \
        }                                                                                    \
    } while (0)

#define FUSED_OPS(T, LOAD)                                                                   \
    switch (op) {                                                                            \
    case FUSED_EQ: FUSED_LOOP(T, LOAD, ==); break;                                           \
    case FUSED_NE: FUSED_LOOP(T, LOAD, !=); break;                                           \
    case FUSED_LT: FUSED_LOOP(T, LOAD, <); break;                                            \
    case FUSED_LE: FUSED_LOOP(T, LOAD, <=); break;                                           \
    case FUSED_GT: FUSED_LOOP(T, LOAD, >); break;                                            \
    case FUSED_GE: FUSED_LOOP(T, LOAD, >=); break;                                           \
    }

/* fused_term: one term over rows (in: the rows still kept, NULL: all count rows of the slice),
 * the kept row positions into out (may equal in); returns how many. */
static uint32_t fused_term(DecodeMode mode, FusedOp op, int64_t constant, uint32_t offset,
                           const TxnScanRow *rows, const uint16_t *in, uint32_t count,
                           uint16_t *out)
{
    uint32_t kept = 0;
    switch (mode) {
    case DECODE_FIXED2_I16: FUSED_OPS(int16_t, (int16_t)load_u16le(bytes)); break;
    case DECODE_FIXED4_I32: FUSED_OPS(int32_t, (int32_t)load_u32le(bytes)); break;
    case DECODE_FIXED8_I64: FUSED_OPS(int64_t, (int64_t)load_u64le(bytes)); break;
    default: break;    /* fused_init admits only the three integer modes */
    }
    return kept;
}
#undef FUSED_OPS
#undef FUSED_LOOP

/* shape_has_plain: is projected column idx read with one load per row in this slice (a fixed
 * mode, present in every record, NULL in none)? */
static bool shape_has_plain(const ScanOp *scan, uint32_t idx, const SliceShape *shape)
{
    const ColDecode *decode = &scan->decode[idx];
    uint32_t col_idx = decode->col_idx;
    return decode->mode != DECODE_GENERIC && shape->uniform && col_idx < shape->column_count &&
           (shape->nulls[col_idx / 8] & (1u << (col_idx % 8))) == 0;
}

/* decode_uniform_sel: decode_uniform for the rows rows[sel[0..count)] (out rows base on). */
static void decode_uniform_sel(const ColDecode *decode, const SliceShape *shape,
                               const TxnScanRow *rows, const uint16_t *sel, uint32_t count,
                               Vector *out, uint32_t base)
{
    uint32_t offset = ROW_HEADER_SIZE + (shape->column_count + 7) / 8 + decode->fixed_offset;
#define SEL_LOOP(T, LOAD)                                                                    \
    do {                                                                                     \
        T *values = (T *)out->data + base;                                                   \
        for (uint32_t pos = 0; pos < count; pos++) {                                         \
            const uint8_t *bytes = rows[sel[pos]].record + offset;                           \
            LOAD;                                                                            \
        }                                                                                    \
    } while (0)
    switch (decode->mode) {
    case DECODE_FIXED1_BOOL: SEL_LOOP(uint8_t, values[pos] = bytes[0] != 0); break;
    case DECODE_FIXED2_I16: SEL_LOOP(int16_t, values[pos] = (int16_t)load_u16le(bytes)); break;
    case DECODE_FIXED4_I32: SEL_LOOP(int32_t, values[pos] = (int32_t)load_u32le(bytes)); break;
    case DECODE_FIXED8_I64: SEL_LOOP(int64_t, values[pos] = (int64_t)load_u64le(bytes)); break;
    case DECODE_FIXED4_F32: SEL_LOOP(float, memcpy(&values[pos], bytes, 4)); break;
    case DECODE_FIXED8_F64: SEL_LOOP(double, memcpy(&values[pos], bytes, 8)); break;
    case DECODE_GENERIC: break;
    }
#undef SEL_LOOP
}

/* fused_slice: the fused filter over rows[0, take) when every term's column is plain in the
 * slice's shape (*done_out false otherwise: the caller filters the general way); the kept rows
 * are decoded into the batch at row base, *kept_out how many. Same rows as expr_filter: no term
 * column is NULL in the slice, so each term is a plain comparison (and a NULL constant keeps no
 * row). */
static Error *fused_slice(ScanOp *scan, const TxnScanRow *rows, uint32_t take, uint32_t base,
                          const SliceShape *shape, uint32_t *kept_out, bool *done_out)
{
    const Plan *plan = scan->base.plan;
    *kept_out = 0;
    *done_out = false;
    for (uint32_t term_idx = 0; term_idx < scan->fused_count; term_idx++) {
        if (!shape_has_plain(scan, scan->fused[term_idx].scan_idx, shape)) return NULL;
    }
    *done_out = true;
    if (!scan->fused_ready) TRY(fused_prepare(scan));
    if (scan->fused_none) return NULL;
    uint32_t null_size = (shape->column_count + 7) / 8;
    uint16_t *sel = scan->fused_sel;
    uint32_t kept = take;
    for (uint32_t term_idx = 0; term_idx < scan->fused_count && kept > 0; term_idx++) {
        const FusedCmp *term = &scan->fused[term_idx];
        const ColDecode *decode = &scan->decode[term->scan_idx];
        uint32_t offset = ROW_HEADER_SIZE + null_size + decode->fixed_offset;
        kept = fused_term(decode->mode, term->op, term->constant, offset, rows,
                          term_idx == 0 ? NULL : sel, kept, sel);
        txn_page_scan_prefetch(scan->page_scan, SCAN_PREFETCH_STEP_LINES);
    }
    if (kept == 0) return NULL;
    DataChunk *chunk = &scan->batch.chunk;
    if (chunk->column_count > 0) TRY(grow_batch(scan, base + kept));
    bool picked_ready = false;
    for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) {
        Vector *out = &chunk->columns[col_idx];
        if (shape_has_plain(scan, col_idx, shape)) {
            decode_uniform_sel(&scan->decode[col_idx], shape, rows, sel, kept, out, base);
            txn_page_scan_prefetch(scan->page_scan, SCAN_PREFETCH_STEP_LINES);
            continue;
        }
        if (!picked_ready) {
            for (uint32_t idx = 0; idx < kept; idx++) scan->picked[idx] = rows[sel[idx]];
            picked_ready = true;
        }
        TRY(decode_rows(scan, col_idx, scan->picked, kept, out, base, shape));
        txn_page_scan_prefetch(scan->page_scan, SCAN_PREFETCH_STEP_LINES);
    }
    *kept_out = kept;
    return NULL;
}

/* late_slice: filter rows[0, take) of a leaf on the filter's columns, then decode the kept rows
 * into the batch at row base; *kept_out how many. */
static Error *late_slice(ScanOp *scan, const TxnScanRow *rows, uint32_t take, uint32_t base,
                         uint32_t *kept_out)
{
    const Plan *plan = scan->base.plan;
    DataChunk *probe = &scan->filter_chunk;
    *kept_out = 0;
    SliceShape shape;
    slice_shape(scan, rows, take, &shape);
    if (scan->fused_count > 0) {
        bool done = false;
        TRY(fused_slice(scan, rows, take, base, &shape, kept_out, &done));
        if (done) return NULL;
    }
    for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) {
        if (!scan->filter_reads[col_idx]) continue;
        vec_reset(&probe->columns[col_idx]);
        TRY(decode_rows(scan, col_idx, rows, take, &probe->columns[col_idx], 0, &shape));
        txn_page_scan_prefetch(scan->page_scan, SCAN_PREFETCH_STEP_LINES);
    }
    probe->row_count = take;
    probe->sel = NULL;
    probe->sel_count = 0;
    TRY(expr_filter(scan->filter, probe, scan->batch.arena));
    uint32_t kept = chunk_live_count(probe);
    if (kept == 0) return NULL;
    const TxnScanRow *picked = rows;
    if (probe->sel != NULL) {
        for (uint32_t idx = 0; idx < kept; idx++) scan->picked[idx] = rows[probe->sel[idx]];
        picked = scan->picked;
    }
    DataChunk *chunk = &scan->batch.chunk;
    if (chunk->column_count > 0) TRY(grow_batch(scan, base + kept));
    for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) {
        TRY(decode_rows(scan, col_idx, picked, kept, &chunk->columns[col_idx], base, &shape));
        txn_page_scan_prefetch(scan->page_scan, SCAN_PREFETCH_STEP_LINES);
    }
    *kept_out = kept;
    return NULL;
}

/* fill_batch_pages: up to VEC_VALUE_COUNT_MAX visible rows (with late materialization: rows
 * that pass the filter), page by page. */
static Error *fill_batch_pages(ScanOp *scan)
{
    const Plan *plan = scan->base.plan;
    TRY(op_batch_begin(&scan->batch, 0));
    DataChunk *chunk = &scan->batch.chunk;
    if (scan->late) TRY(late_begin(scan));
    uint32_t rows = 0;
    while (rows < VEC_VALUE_COUNT_MAX) {
        if (scan->page_pos >= scan->page_count) {
            if (scan->done) break;
            if (scan->late) TRY(exec_check_interrupt(scan->base.ctx));
            TRY(txn_page_scan_next(scan->page_scan, &scan->page_rows, &scan->page_count));
            txn_page_scan_shape(scan->page_scan, &scan->page_shape);
            scan->page_pos = 0;
            if (scan->page_count == 0) {
                scan->done = true;
                break;
            }
        }
        size_t left = scan->page_count - scan->page_pos;
        uint32_t take = VEC_VALUE_COUNT_MAX - rows;
        if (left < take) take = (uint32_t)left;
        const TxnScanRow *slice = scan->page_rows + scan->page_pos;
        scan->page_pos += take;
        if (scan->late) {
            uint32_t kept;
            TRY(late_slice(scan, slice, take, rows, &kept));
            rows += kept;
            continue;
        }
        if (chunk->column_count > 0) TRY(grow_batch(scan, rows + take));
        SliceShape shape;
        slice_shape(scan, slice, take, &shape);
        for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) {
            TRY(decode_rows(scan, col_idx, slice, take, &chunk->columns[col_idx], rows, &shape));
            txn_page_scan_prefetch(scan->page_scan, SCAN_PREFETCH_STEP_LINES);
        }
        rows += take;
    }
    chunk->row_count = rows;
    return NULL;
}

/* fill_batch: decode up to VEC_VALUE_COUNT_MAX visible rows into the batch chunk. */
static Error *fill_batch(ScanOp *scan)
{
    const Plan *plan = scan->base.plan;
    if (scan->source == SOURCE_PAGES) return fill_batch_pages(scan);
    TRY(op_batch_begin(&scan->batch, 0));
    DataChunk *chunk = &scan->batch.chunk;
    bool locking = plan->lock_rows > 0;
    if (locking) {
        scan->row_keys = arena_alloc(scan->batch.arena, VEC_VALUE_COUNT_MAX * sizeof(uint8_t *));
        scan->row_key_sizes = arena_alloc(scan->batch.arena, VEC_VALUE_COUNT_MAX * sizeof(uint32_t));
        scan->row_xids = arena_alloc(scan->batch.arena, VEC_VALUE_COUNT_MAX * sizeof(uint64_t));
        if (scan->row_keys == NULL || scan->row_key_sizes == NULL || scan->row_xids == NULL) {
            return oom();
        }
    }
    uint32_t rows = 0;
    while (rows < VEC_VALUE_COUNT_MAX) {
        const uint8_t *key = NULL, *record = NULL;
        size_t key_size = 0, record_size = 0;
        bool found;
        TRY(next_row(scan, &key, &key_size, &record, &record_size, &found));
        if (!found) break;
        if (chunk->column_count > 0) TRY(grow_batch(scan, rows + 1));
        for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) {
            TRY(rowcodec_decode_column(scan->table, plan->scan_attnums[col_idx], record,
                                       record_size, key, key_size, &chunk->columns[col_idx],
                                       rows));
        }
        if (locking) {
            RowHeader header;
            TRY(row_header_read(record, record_size, &header));
            scan->row_keys[rows] = arena_alloc(scan->batch.arena, key_size > 0 ? key_size : 1);
            if (scan->row_keys[rows] == NULL) return oom();
            memcpy(scan->row_keys[rows], key, key_size);
            scan->row_key_sizes[rows] = (uint32_t)key_size;
            scan->row_xids[rows] = header.xid;
        }
        rows++;
    }
    chunk->row_count = rows;
    return NULL;
}

/* lock_scan_row: lock row row_idx of the batch; *keep_out false if it is gone; *changed_out when
 * a newer committed version replaced it (decoded into the row's slot). */
static Error *lock_scan_row(ScanOp *scan, uint32_t row_idx, bool *keep_out, bool *changed_out)
{
    const Plan *plan = scan->base.plan;
    Txn *txn = scan->base.ctx->txn;
    LockRowMode mode = (LockRowMode)(plan->lock_rows - 1);
    uint64_t seen = scan->row_xids[row_idx];
    *keep_out = false;
    for (uint32_t attempt = 0; attempt < LOCK_ATTEMPT_MAX; attempt++) {
        TxnRowResult result = { 0 };
        bool acquired = false;
        TRY(txn_row_lock(txn, scan->table->tree, scan->row_keys[row_idx],
                         scan->row_key_sizes[row_idx], seen, mode, LOCK_WAIT_BLOCK, &acquired,
                         &result));
        if (result.outcome == TXN_ROW_DONE) {
            *keep_out = true;
            return NULL;
        }
        if (result.outcome == TXN_ROW_GONE) {
            txn_row_result_free(&result);
            return NULL;
        }
        /* TXN_ROW_CHANGED: take the newest version and lock that */
        Error *err = NULL;
        for (uint32_t col_idx = 0; col_idx < plan->scan_count && err == NULL; col_idx++) {
            err = rowcodec_decode_column(scan->table, plan->scan_attnums[col_idx],
                                         result.record.data, result.record.size,
                                         scan->row_keys[row_idx], scan->row_key_sizes[row_idx],
                                         &scan->batch.chunk.columns[col_idx], row_idx);
        }
        seen = result.xid;
        txn_row_result_free(&result);
        TRY(err);
        *changed_out = true;
    }
    return err_new(SQLSTATE_LOCK_NOT_AVAILABLE, "could not obtain lock on row in relation \"%s\"",
                   scan->table->name);
}

/* lock_batch: FOR UPDATE / SHARE on every live row; rows that changed are filtered again. */
static Error *lock_batch(ScanOp *scan)
{
    DataChunk *chunk = &scan->batch.chunk;
    uint32_t live = chunk_live_count(chunk);
    uint16_t *sel = arena_alloc(scan->batch.arena, (live > 0 ? live : 1) * sizeof(uint16_t));
    if (sel == NULL) return oom();
    uint32_t kept = 0;
    bool changed = false;
    for (uint32_t idx = 0; idx < live; idx++) {
        uint32_t row = chunk->sel != NULL ? chunk->sel[idx] : idx;
        bool keep = false;
        TRY(lock_scan_row(scan, row, &keep, &changed));
        if (keep) sel[kept++] = (uint16_t)row;
    }
    chunk_set_sel(chunk, sel, kept);
    if (changed && scan->filter != NULL) TRY(expr_filter(scan->filter, chunk, scan->batch.arena));
    return NULL;
}

static Error *scan_next(Op *op, DataChunk **chunk_out)
{
    ScanOp *scan = (ScanOp *)op;
    *chunk_out = NULL;
    for (;;) {
        if (scan->done && scan->page_pos >= scan->page_count) return NULL;
        TRY(fill_batch(scan));
        DataChunk *chunk = &scan->batch.chunk;
        if (chunk->row_count == 0) return NULL;
        if (scan->filter != NULL && !scan->late) {
            TRY(expr_filter(scan->filter, chunk, scan->batch.arena));
        }
        if (op->plan->lock_rows > 0 && chunk_live_count(chunk) > 0) TRY(lock_batch(scan));
        if (chunk_live_count(chunk) > 0) {
            *chunk_out = chunk;
            return NULL;
        }
        TRY(exec_check_interrupt(op->ctx));
    }
}

static Error *scan_rescan(Op *op) { return cursors_open((ScanOp *)op); }

static void scan_close(Op *op)
{
    ScanOp *scan = (ScanOp *)op;
    cursors_close(scan);
    op_batch_destroy(&scan->batch);
    op_expr_close(scan->filter);
    for (uint32_t term_idx = 0; term_idx < scan->fused_count; term_idx++) {
        op_expr_close(scan->fused[term_idx].value);
    }
    op_expr_close(scan->lo);
    op_expr_close(scan->hi);
    const IndexBounds *bounds = &op->plan->bounds;
    for (uint32_t idx = 0; scan->eq_values != NULL && idx < bounds->eq_count; idx++) {
        op_expr_close(scan->eq_values[idx]);
    }
    bt_buf_free(&scan->value);
    bt_buf_free(&scan->record);
    if (scan->scratch != NULL) arena_destroy(scan->scratch);
    scan->scratch = NULL;
}

static const OpVtbl SEQ_SCAN_VTBL = {
    .name = "Seq Scan", .open = scan_open, .next = scan_next, .rescan = scan_rescan,
    .close = scan_close,
};
static const OpVtbl INDEX_SCAN_VTBL = {
    .name = "Index Scan", .open = scan_open, .next = scan_next, .rescan = scan_rescan,
    .close = scan_close,
};

static Error *scan_init(ScanOp *scan);

/* filter_columns: mark in reads the projected columns expr reads; false when expr holds anything
 * but columns, constants, parameters and scalar operators (subplans, outer values, sequences,
 * session functions keep the filter on the whole batch). */
static bool filter_columns(const Expr *expr, bool *reads, uint32_t column_count)
{
    switch (expr->kind) {
    case EXPR_CONST:
    case EXPR_PARAM: return true;
    case EXPR_COLUMN:
        if (expr->column_idx >= column_count) return false;
        reads[expr->column_idx] = true;
        return true;
    case EXPR_CALL:
    case EXPR_CAST:
    case EXPR_AND:
    case EXPR_OR:
    case EXPR_NOT:
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
    case EXPR_CASE:
    case EXPR_COALESCE:
        for (uint32_t idx = 0; idx < expr->arg_count; idx++) {
            if (expr->args[idx] == NULL || !filter_columns(expr->args[idx], reads, column_count)) {
                return false;
            }
        }
        return true;
    default: return false;
    }
}

/* fused_kern_op: the FusedOp of an integer filter kernel and the decode mode its type needs;
 * false for any other kernel. */
static bool fused_kern_op(const void *kern, FusedOp *op_out, DecodeMode *mode_out)
{
    static const struct {
        const void *kern;
        FusedOp     op;
        DecodeMode  mode;
    } KERNS[] = {
        {(const void *)kern_filter_eq_i16, FUSED_EQ, DECODE_FIXED2_I16},
        {(const void *)kern_filter_ne_i16, FUSED_NE, DECODE_FIXED2_I16},
        {(const void *)kern_filter_lt_i16, FUSED_LT, DECODE_FIXED2_I16},
        {(const void *)kern_filter_le_i16, FUSED_LE, DECODE_FIXED2_I16},
        {(const void *)kern_filter_gt_i16, FUSED_GT, DECODE_FIXED2_I16},
        {(const void *)kern_filter_ge_i16, FUSED_GE, DECODE_FIXED2_I16},
        {(const void *)kern_filter_eq_i32, FUSED_EQ, DECODE_FIXED4_I32},
        {(const void *)kern_filter_ne_i32, FUSED_NE, DECODE_FIXED4_I32},
        {(const void *)kern_filter_lt_i32, FUSED_LT, DECODE_FIXED4_I32},
        {(const void *)kern_filter_le_i32, FUSED_LE, DECODE_FIXED4_I32},
        {(const void *)kern_filter_gt_i32, FUSED_GT, DECODE_FIXED4_I32},
        {(const void *)kern_filter_ge_i32, FUSED_GE, DECODE_FIXED4_I32},
        {(const void *)kern_filter_eq_i64, FUSED_EQ, DECODE_FIXED8_I64},
        {(const void *)kern_filter_ne_i64, FUSED_NE, DECODE_FIXED8_I64},
        {(const void *)kern_filter_lt_i64, FUSED_LT, DECODE_FIXED8_I64},
        {(const void *)kern_filter_le_i64, FUSED_LE, DECODE_FIXED8_I64},
        {(const void *)kern_filter_gt_i64, FUSED_GT, DECODE_FIXED8_I64},
        {(const void *)kern_filter_ge_i64, FUSED_GE, DECODE_FIXED8_I64},
    };
    for (size_t idx = 0; idx < sizeof KERNS / sizeof KERNS[0]; idx++) {
        if (KERNS[idx].kern == kern) {
            *op_out = KERNS[idx].op;
            *mode_out = KERNS[idx].mode;
            return true;
        }
    }
    return false;
}

/* is_constant_side: a constant, a parameter, or casts of those (no columns, nothing volatile). */
static bool is_constant_side(const Expr *expr)
{
    if (expr->kind == EXPR_CONST || expr->kind == EXPR_PARAM) return true;
    return expr->kind == EXPR_CAST && expr->arg_count == 1 && expr->args[0] != NULL &&
           is_constant_side(expr->args[0]);
}

/* fused_term_of: is expr `column OP constant` (or `constant OP column`) over an integer
 * column read at a fixed offset? Fills term (not its value state). */
static bool fused_term_of(const ScanOp *scan, const Expr *expr, FusedCmp *term,
                          const Expr **constant_out)
{
    static const FusedOp FLIPPED[] = {
        [FUSED_EQ] = FUSED_EQ, [FUSED_NE] = FUSED_NE, [FUSED_LT] = FUSED_GT,
        [FUSED_LE] = FUSED_GE, [FUSED_GT] = FUSED_LT, [FUSED_GE] = FUSED_LE,
    };
    FusedOp op;
    DecodeMode mode;
    if (expr->kind != EXPR_CALL || expr->arg_count != 2 || expr->args[0] == NULL ||
        expr->args[1] == NULL || expr->filter_kern == NULL ||
        !fused_kern_op(expr->filter_kern, &op, &mode)) {
        return false;
    }
    const Expr *column = expr->args[0], *constant = expr->args[1];
    if (column->kind != EXPR_COLUMN) {
        column = expr->args[1];
        constant = expr->args[0];
        op = FLIPPED[op];
    }
    if (column->kind != EXPR_COLUMN || !is_constant_side(constant)) return false;
    if (column->column_idx >= scan->base.plan->scan_count) return false;
    if (scan->decode[column->column_idx].mode != mode) return false;
    *term = (FusedCmp){ .scan_idx = column->column_idx, .op = op };
    *constant_out = constant;
    return true;
}

/* fused_init (scanpath): a filter that is one such term, or an AND of up to FUSED_CMP_MAX of
 * them, runs fused into decoding (fused_slice). */
static Error *fused_init(ScanOp *scan)
{
    const Expr *filter = scan->base.plan->filter;
    ExecCtx *ctx = scan->base.ctx;
    const Expr *const *terms = (const Expr *const *)&filter;
    uint32_t term_count = 1;
    if (filter->kind == EXPR_AND) {
        terms = (const Expr *const *)filter->args;
        term_count = filter->arg_count;
    }
    if (term_count == 0 || term_count > FUSED_CMP_MAX) return NULL;
    FusedCmp fused[FUSED_CMP_MAX];
    const Expr *constants[FUSED_CMP_MAX];
    for (uint32_t term_idx = 0; term_idx < term_count; term_idx++) {
        if (terms[term_idx] == NULL ||
            !fused_term_of(scan, terms[term_idx], &fused[term_idx], &constants[term_idx])) {
            return NULL;
        }
    }
    scan->fused = arena_calloc(ctx->arena, term_count * sizeof *scan->fused);
    scan->fused_sel = arena_alloc(ctx->arena, VEC_VALUE_COUNT_MAX * sizeof(uint16_t));
    if (scan->fused == NULL || scan->fused_sel == NULL) return oom();
    for (uint32_t term_idx = 0; term_idx < term_count; term_idx++) {
        scan->fused[term_idx] = fused[term_idx];
        TRY(expr_prepare(ctx, constants[term_idx], &scan->fused[term_idx].value));
        scan->fused_count = term_idx + 1;     /* scan_close closes the prepared ones */
    }
    return NULL;
}

/* late_init: turn late materialization on when the filter reads fewer columns than projected. */
static Error *late_init(ScanOp *scan)
{
    const Plan *plan = scan->base.plan;
    ExecCtx *ctx = scan->base.ctx;
    if (scan->filter == NULL || plan->filter == NULL || plan->scan_count == 0) return NULL;
    bool *reads = arena_calloc(ctx->arena, plan->scan_count * sizeof(bool));
    if (reads == NULL) return oom();
    if (!filter_columns(plan->filter, reads, plan->scan_count)) return NULL;
    TRY(fused_init(scan));
    uint32_t read_count = 0;
    for (uint32_t col_idx = 0; col_idx < plan->scan_count; col_idx++) read_count += reads[col_idx];
    if (read_count == plan->scan_count && scan->fused_count == 0) return NULL; /* nothing saved */
    scan->picked = arena_alloc(ctx->arena, VEC_VALUE_COUNT_MAX * sizeof(TxnScanRow));
    if (scan->picked == NULL) return oom();
    scan->filter_reads = reads;
    scan->late = true;
    return NULL;
}

static Error *scan_new(ExecCtx *ctx, const Plan *plan, const OpVtbl *vt, Op **op_out)
{
    if (plan->table == NULL || plan->table->tree == NULL) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "scan of a relation without storage");
    }
    if (plan->lock_rows < 0 || plan->lock_rows > LOCK_ROW_MODE_COUNT) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "bad row lock mode %d", plan->lock_rows);
    }
    if (plan->scan_count != plan->column_count) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "scan produces %u columns but has %u types",
                       plan->scan_count, plan->column_count);
    }
    ScanOp *scan = arena_calloc(ctx->arena, sizeof *scan);
    if (scan == NULL) return oom();
    Op *op = &scan->base;
    op->vt = vt;
    op->plan = plan;
    op->ctx = ctx;
    op->column_count = plan->column_count;
    op->types = plan->types;
    scan->table = plan->table;
    scan->index = plan->kind == PLAN_INDEX_SCAN ? plan->index : NULL;
    scan->backward = plan->kind == PLAN_INDEX_SCAN && plan->bounds.backward;
    if (scan->index != NULL) {
        if (scan->index->tree == NULL) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "index \"%s\" without storage",
                           scan->index->name);
        }
        scan->source = SOURCE_INDEX;
    } else {
        scan->source = scan->backward ? SOURCE_TABLE_BACKWARD : SOURCE_TXN_CURSOR;
        if (plan->kind == PLAN_SEQ_SCAN && plan->lock_rows == 0) scan->source = SOURCE_PAGES;
    }
    Error *err = scan_init(scan);
    if (err != NULL) {
        scan_close(op);
        return err;
    }
    *op_out = op;
    return NULL;
}

static Error *scan_init(ScanOp *scan)
{
    ExecCtx *ctx = scan->base.ctx;
    const Plan *plan = scan->base.plan;
    double estimate = plan->est_rows;
    scan->capacity_start = estimate >= VEC_VALUE_COUNT_MAX ? VEC_VALUE_COUNT_MAX
                           : estimate < 16 ? 16 : (uint32_t)estimate;
    if (plan->filter != NULL) TRY(expr_prepare(ctx, plan->filter, &scan->filter));
    if (plan->kind == PLAN_INDEX_SCAN) {
        const IndexBounds *bounds = &plan->bounds;
        uint32_t key_count = scan->index != NULL ? scan->index->key_count : 1;
        uint32_t needed = bounds->eq_count + (bounds->lo != NULL || bounds->hi != NULL ? 1 : 0);
        if (needed > key_count) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "index bounds on %u columns of a %u-column key",
                           needed, key_count);
        }
        if (scan->index == NULL && scan->table->cluster_attnum <= 0) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "bounds on a table without a clustered key");
        }
        TRY(op_expr_prepare_list(ctx, bounds->eq_values, bounds->eq_count, &scan->eq_values));
        if (bounds->lo != NULL) TRY(expr_prepare(ctx, bounds->lo, &scan->lo));
        if (bounds->hi != NULL) TRY(expr_prepare(ctx, bounds->hi, &scan->hi));
        scan->lo_bytes = arena_alloc(ctx->arena, KEY_SIZE_MAX);
        scan->hi_bytes = arena_alloc(ctx->arena, KEY_SIZE_MAX);
        if (scan->lo_bytes == NULL || scan->hi_bytes == NULL) return oom();
    }
    scan->scratch = arena_create(8 * 1024);
    if (scan->scratch == NULL) return oom();
    if (scan->source == SOURCE_PAGES) {
        TRY(decode_init(scan));
        TRY(late_init(scan));
    }
    return op_batch_init(&scan->batch, plan->types, plan->column_count);
}

Error *op_seq_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    return scan_new(ctx, plan, &SEQ_SCAN_VTBL, op_out);
}

Error *op_index_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    return scan_new(ctx, plan, &INDEX_SCAN_VTBL, op_out);
}
