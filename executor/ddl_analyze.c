/* executor/ddl_analyze.c: ANALYZE [t [(a, b)] ...] and VACUUM ANALYZE: per-table statistics for
 * the planner, stored through catalog_stats_store in the statement's transaction.
 *
 * Sampling: one page-at-a-time scan of the table (txn_page_scan) counts the visible rows and
 * the leaf pages that hold them and keeps a uniform reservoir of ANALYZE_SAMPLE_ROWS rows
 * (300 x PostgreSQL's default_statistics_target), chosen with Li's Algorithm L (Vitter's
 * reservoir with geometric skips: after the reservoir fills only O(k log(N/k)) rows are
 * copied). A table with at most that many rows is sampled completely, so its statistics are
 * exact and match PostgreSQL's for the same rows. Rows are decoded column by column only for the
 * sample.
 *
 * Per column the rules are PostgreSQL 15's compute_scalar_stats: values are ordered by their
 * order-preserving key encoding (rowcodec_key_append: the order of the type's btree opclass);
 * null_frac = nulls / sample rows; avg_width the average stored size of the non-NULLs (typlen
 * for fixed-width types); n_distinct exact when the whole table was read and otherwise the
 * Haas-Stokes estimator n*d / (n - f1 + f1*n/N), stored as -(distinct / rows) once it is over a
 * tenth of the rows; the most common values are the values seen more than once, most frequent
 * first (ties in value order), all of them (up to 100) for a complete sample and, for a partial
 * one, only those significantly more common than the rest (analyze_mcv_list's test); the
 * histogram has up to 101 equi-depth bounds over the values not in the MCV list; correlation
 * compares value order with scan order. Values wider than 1024 bytes (or whose key does not
 * encode) count for null_frac, width and distinctness only, as PostgreSQL's "too wide" ones.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "executor/ddl_analyze.h"
#include "executor/exec.h"
#include "executor/kern.h"
#include "storage/key.h"

enum {
    ANALYZE_SAMPLE_ROWS = 30000,
    ANALYZE_MCV_MAX = 100,
    ANALYZE_HIST_BINS = 100,
    ANALYZE_WIDTH_THRESHOLD = 1024,
    ANALYZE_TARGET_MAX = 4096,        /* tables / columns named in one statement */
    ANALYZE_KEY_SIZE = 1024,
};

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* ------------------------------------------------------------ random ---- */

/* splitmix64: a small deterministic generator (seeded per table, so a re-ANALYZE of the same
 * rows picks the same sample and tests are reproducible). */
static uint64_t rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* rand_unit: uniform in (0, 1). */
static double rand_unit(uint64_t *state)
{
    return ((double)(rand_next(state) >> 11) + 0.5) / 9007199254740992.0;
}

/* ------------------------------------------------------------ sampling ---- */

typedef struct SampleRow {
    uint64_t seq;            /* position in the scan */
    uint8_t *key;            /* malloc'd: key then record */
    uint32_t key_size;
    uint32_t record_size;
} SampleRow;

typedef struct Sample {
    SampleRow *rows;
    uint32_t   count;
    double     total_rows;    /* visible rows seen */
    uint64_t   page_count;    /* leaf pages with visible rows */
} Sample;

static void sample_free(Sample *sample)
{
    for (uint32_t row_idx = 0; row_idx < sample->count; row_idx++) free(sample->rows[row_idx].key);
    free(sample->rows);
    *sample = (Sample){ 0 };
}

static Error *sample_set(SampleRow *slot, uint64_t seq, const TxnScanRow *row)
{
    uint8_t *bytes = malloc((size_t)row->key_size + row->record_size + 1);
    if (bytes == NULL) return oom();
    memcpy(bytes, row->key, row->key_size);
    memcpy(bytes + row->key_size, row->record, row->record_size);
    free(slot->key);
    *slot = (SampleRow){ seq, bytes, row->key_size, row->record_size };
    return NULL;
}

static int sample_seq_cmp(const void *a, const void *b)
{
    const SampleRow *left = a, *right = b;
    return left->seq < right->seq ? -1 : left->seq > right->seq;
}

/* collect_sample: scan table; Algorithm L: after k rows, skip floor(log(u)/log(1-w)) rows, put
 * the next one in a random slot, w *= exp(log(u')/k). */
static Error *collect_sample(Txn *txn, const CatTable *table, Sample *sample)
{
    const uint32_t capacity = ANALYZE_SAMPLE_ROWS;
    sample->rows = calloc(capacity, sizeof *sample->rows);
    if (sample->rows == NULL) return oom();
    uint64_t rng = 0x5EEDull ^ ((uint64_t)table->oid << 20);
    double weight = exp(log(rand_unit(&rng)) / capacity);
    uint64_t next_pick = capacity + (uint64_t)floor(log(rand_unit(&rng)) / log(1.0 - weight));
    TxnPageScan *scan = NULL;
    TRY(txn_page_scan_open(txn, table->tree, NULL, 0, NULL, 0, &scan));
    Error *err = NULL;
    uint64_t seq = 0;
    for (;;) {
        const TxnScanRow *rows = NULL;
        size_t count = 0;
        err = txn_page_scan_next(scan, &rows, &count);
        if (err != NULL || count == 0) break;
        sample->page_count++;
        for (size_t row_idx = 0; err == NULL && row_idx < count; row_idx++, seq++) {
            if (seq < capacity) {
                err = sample_set(&sample->rows[sample->count++], seq, &rows[row_idx]);
            } else if (seq == next_pick) {
                uint32_t slot = (uint32_t)(rand_next(&rng) % capacity);
                err = sample_set(&sample->rows[slot], seq, &rows[row_idx]);
                weight *= exp(log(rand_unit(&rng)) / capacity);
                next_pick = seq + 1 + (uint64_t)floor(log(rand_unit(&rng)) / log(1.0 - weight));
            }
        }
        if (err != NULL) break;
    }
    txn_page_scan_close(scan);
    sample->total_rows = (double)seq;
    /* back to scan order: correlation compares value order with it */
    if (err == NULL) qsort(sample->rows, sample->count, sizeof *sample->rows, sample_seq_cmp);
    return err;
}

/* ------------------------------------------------------------ one column ---- */

typedef struct ColumnValue {
    const uint8_t *key;      /* order-preserving encoding */
    uint32_t       key_size;
    uint32_t       tupno;    /* index among the column's sorted-in values, in scan order */
    const char    *text;     /* output form */
} ColumnValue;

typedef struct ColumnResult {
    CatColumnStats stats;
    CatStatsColumn ext;
} ColumnResult;

static int value_cmp(const void *a, const void *b)
{
    const ColumnValue *left = a, *right = b;
    uint32_t common = left->key_size < right->key_size ? left->key_size : right->key_size;
    int cmp = memcmp(left->key, right->key, common);
    if (cmp != 0) return cmp;
    if (left->key_size != right->key_size) return left->key_size < right->key_size ? -1 : 1;
    return left->tupno < right->tupno ? -1 : left->tupno > right->tupno;
}

static bool value_equal(const ColumnValue *a, const ColumnValue *b)
{
    return a->key_size == b->key_size && memcmp(a->key, b->key, a->key_size) == 0;
}

/* numeric_width: PostgreSQL's stored size of a numeric in its short format: a 1-byte varlena
 * header, a 2-byte header and 2 bytes per base-10000 digit between the first and last non-zero
 * ones. */
static int32_t numeric_width(const char *text)
{
    if (*text == '-' || *text == '+') text++;
    const char *point = strchr(text, '.');
    size_t int_size = point != NULL ? (size_t)(point - text) : strlen(text);
    const char *frac = point != NULL ? point + 1 : "";
    size_t frac_size = strlen(frac);
    for (size_t idx = 0; idx < int_size; idx++) {
        if (text[idx] < '0' || text[idx] > '9') return 3;     /* NaN, Infinity */
    }
    /* groups of 4 digits aligned at the decimal point: index 0 the highest integer group */
    size_t int_groups = (int_size + 3) / 4, frac_groups = (frac_size + 3) / 4;
    long first = -1, last = -1;
    for (size_t group = 0; group < int_groups + frac_groups; group++) {
        bool nonzero = false;
        for (size_t digit = 0; digit < 4; digit++) {
            long pos = (long)(group * 4 + digit) - (long)(int_groups * 4 - int_size);
            char c = '0';
            if (group < int_groups) {
                if (pos >= 0) c = text[pos];
            } else {
                size_t frac_pos = (group - int_groups) * 4 + digit;
                if (frac_pos < frac_size) c = frac[frac_pos];
            }
            if (c != '0') nonzero = true;
        }
        if (nonzero) {
            if (first < 0) first = (long)group;
            last = (long)group;
        }
    }
    long digits = first < 0 ? 0 : last - first + 1;
    return (int32_t)(3 + 2 * digits);
}

static int32_t value_width(uint32_t type_id, const char *text, size_t size)
{
    int16_t typlen = type_typlen(type_id);
    if (typlen > 0) return typlen;
    if (type_id == TYPE_NUMERIC) return numeric_width(text);
    return (int32_t)(size + (size + 1 <= 127 ? 1 : 4));
}

/* texts_of: the output form of vec's first count values, in arena. */
static Error *texts_of(birch_db *db, const Vector *vec, uint32_t count, Arena *arena,
                       Vector *out)
{
    if (type_is_string(vec->type.id)) {
        *out = *vec;
        return NULL;
    }
    KernFn fn = NULL;
    if (vec->type.id == TYPE_BOOL) fn = kern_out_bool;
    else TRY(kern_cast_lookup(vec->type, type_plain(TYPE_TEXT), &fn));
    if (fn == NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "no output function for type %s",
                       type_name(vec->type.id));
    }
    vec_init(out, type_plain(TYPE_TEXT), arena);
    ExecSessionHooks hooks = sess_hooks(db);
    KernCtx kctx = {.arena = arena, .dt = &db->dt, .session = &hooks};
    const Vector *args[1] = {vec};
    return fn(&kctx, args, NULL, count, out);
}

typedef struct ColumnScan {
    ColumnValue *values;      /* sortable non-NULL values */
    uint32_t     value_count;
    uint32_t     null_count;
    uint32_t     toowide_count;
    double       width_sum;
    uint32_t     nonnull_count;
} ColumnScan;

/* scan_column: decode column col_idx of every sample row: NULLs, widths, keys and texts. */
static Error *scan_column(birch_db *db, const CatTable *table, const CatColumn *column,
                          const Sample *sample, Arena *arena, ColumnScan *scan)
{
    scan->values = arena_alloc(arena, ((size_t)sample->count + 1) * sizeof *scan->values);
    uint8_t *key_memory = arena_alloc(arena, ANALYZE_KEY_SIZE);
    if (scan->values == NULL || key_memory == NULL) return oom();
    Arena *batch = arena_create(64 * 1024);
    if (batch == NULL) return oom();
    Error *err = NULL;
    for (uint32_t start = 0; err == NULL && start < sample->count; start += VEC_VALUE_COUNT_MAX) {
        arena_reset(batch);
        uint32_t count = sample->count - start;
        if (count > VEC_VALUE_COUNT_MAX) count = VEC_VALUE_COUNT_MAX;
        Vector vec, text;
        vec_init(&vec, column->type, batch);
        err = vec_reserve(&vec, count);
        for (uint32_t row_idx = 0; err == NULL && row_idx < count; row_idx++) {
            const SampleRow *row = &sample->rows[start + row_idx];
            err = rowcodec_decode_column(table, column->attnum, row->key + row->key_size,
                                         row->record_size, row->key, row->key_size, &vec,
                                         row_idx);
        }
        if (err == NULL) err = texts_of(db, &vec, count, batch, &text);
        for (uint32_t row_idx = 0; err == NULL && row_idx < count; row_idx++) {
            if (vec_is_null(&vec, row_idx)) {
                scan->null_count++;
                continue;
            }
            const StrView *view = &vec_str(&text)[text.is_constant ? 0 : row_idx];
            const char *bytes = str_view_data(view);
            scan->nonnull_count++;
            scan->width_sum += value_width(column->type.id, bytes, view->size);
            if (view->size > ANALYZE_WIDTH_THRESHOLD) {
                scan->toowide_count++;
                continue;
            }
            KeyBuf buf;
            key_buf_init(&buf, key_memory, ANALYZE_KEY_SIZE);
            Error *key_err = rowcodec_key_append(&buf, KEY_ASC, &vec, row_idx);
            if (key_err != NULL) {
                err_free(key_err);
                scan->toowide_count++;
                continue;
            }
            ColumnValue *value = &scan->values[scan->value_count];
            uint8_t *key = arena_alloc(arena, buf.size + 1);
            char *copy = arena_alloc(arena, (size_t)view->size + 1);
            if (key == NULL || copy == NULL) {
                err = oom();
                break;
            }
            memcpy(key, buf.bytes, buf.size);
            value->key = key;
            value->key_size = (uint32_t)buf.size;
            value->tupno = scan->value_count;
            memcpy(copy, bytes, view->size);
            copy[view->size] = '\0';
            value->text = copy;
            scan->value_count++;
        }
    }
    arena_destroy(batch);
    return err;
}

typedef struct Track {
    uint32_t first;          /* index of the value's first occurrence in the sorted array */
    uint32_t count;
} Track;

static int track_cmp(const void *a, const void *b)
{
    const Track *left = a, *right = b;
    if (left->count != right->count) return left->count > right->count ? -1 : 1;
    return left->first < right->first ? -1 : left->first > right->first;
}

/* mcv_keep: analyze_mcv_list: how many of the candidates (counts descending) are frequent
 * enough, compared with the average of the other values, to be worth keeping. */
static uint32_t mcv_keep(const Track *track, uint32_t count, double distinct, double null_frac,
                         double sample_rows, double total_rows)
{
    if (count == 0 || sample_rows >= total_rows || total_rows <= 1.0) return count;
    double ndistinct = distinct < 0 ? -distinct * total_rows : distinct;
    double sum = 0;
    for (uint32_t idx = 0; idx + 1 < count; idx++) sum += track[idx].count;
    while (count > 0) {
        double selec = 1.0 - sum / sample_rows - null_frac;
        selec = selec < 0 ? 0 : selec > 1 ? 1 : selec;
        double other = ndistinct - (count - 1);
        selec = other > 1 ? selec / other : 1.0;
        double n = sample_rows, big_n = total_rows;
        double k = big_n * track[count - 1].count / n;
        double variance = n * k * (big_n - k) * (big_n - n) / (big_n * big_n * (big_n - 1));
        double stddev = sqrt(variance > 0 ? variance : 0);
        if (track[count - 1].count > selec * sample_rows + 2 * stddev + 0.5) break;
        count--;
        if (count == 0) break;
        sum -= track[count - 1].count;
    }
    return count;
}

/* distinct_estimate: n_distinct by PostgreSQL's rules (see the file comment). */
static double distinct_estimate(uint32_t distinct_count, uint32_t multiple_count,
                                uint32_t toowide_count, double nonnull_count, double null_frac,
                                double total_rows)
{
    double distinct;
    if (multiple_count == 0) {
        return -1.0 * (1.0 - null_frac);          /* every value unique: scales with the table */
    }
    if (toowide_count == 0 && multiple_count == distinct_count) {
        distinct = distinct_count;                  /* every value seen more than once */
    } else {
        double f1 = (double)(distinct_count - multiple_count + toowide_count);
        double d = f1 + multiple_count;
        double n = nonnull_count;
        double big_n = total_rows * (1.0 - null_frac);
        distinct = big_n > 0 ? (n * d) / ((n - f1) + f1 * n / big_n) : 0;
        if (distinct < d) distinct = d;
        if (distinct > big_n) distinct = big_n;
        distinct = floor(distinct + 0.5);
    }
    if (distinct > 0.1 * total_rows) distinct = -(distinct / total_rows);
    return distinct;
}

static double correlation_of(const ColumnValue *values, uint32_t count)
{
    if (count < 2) return NAN;
    double xysum = 0;
    for (uint32_t idx = 0; idx < count; idx++) xysum += (double)idx * values[idx].tupno;
    double n = count;
    double xsum = (n - 1) * n / 2.0;
    double x2sum = (n - 1) * n * (2 * n - 1) / 6.0;
    return (n * xysum - xsum * xsum) / (n * x2sum - xsum * xsum);
}

/* compute_column: the statistics of one column of the sample. */
static Error *compute_column(birch_db *db, const CatTable *table, const CatColumn *column,
                             const Sample *sample, Arena *arena, ColumnResult *result)
{
    ColumnScan scan = { 0 };
    TRY(scan_column(db, table, column, sample, arena, &scan));
    double sample_rows = sample->count, total_rows = sample->total_rows;
    CatColumnStats *stats = &result->stats;
    result->ext = (CatStatsColumn){ column->attnum, column->type.id, 0, NAN };
    if (scan.nonnull_count == 0) {
        stats->null_frac = 1.0;
        int16_t typlen = type_typlen(column->type.id);
        result->ext.avg_width = typlen > 0 ? typlen : 0;
        return NULL;
    }
    stats->null_frac = scan.null_count / sample_rows;
    result->ext.avg_width = (int32_t)(scan.width_sum / scan.nonnull_count);
    qsort(scan.values, scan.value_count, sizeof *scan.values, value_cmp);
    Track *track = arena_alloc(arena, ((size_t)scan.value_count + 1) * sizeof *track);
    if (track == NULL) return oom();
    uint32_t distinct_count = 0, multiple_count = 0;
    for (uint32_t idx = 0; idx < scan.value_count;) {
        uint32_t end = idx + 1;
        while (end < scan.value_count && value_equal(&scan.values[idx], &scan.values[end])) end++;
        distinct_count++;
        if (end - idx > 1) track[multiple_count++] = (Track){ idx, end - idx };
        idx = end;
    }
    stats->distinct_count = distinct_estimate(distinct_count, multiple_count, scan.toowide_count,
                                              scan.nonnull_count, stats->null_frac, total_rows);
    result->ext.correlation = correlation_of(scan.values, scan.value_count);
    qsort(track, multiple_count, sizeof *track, track_cmp);
    uint32_t mcv_count = multiple_count < ANALYZE_MCV_MAX ? multiple_count : ANALYZE_MCV_MAX;
    bool complete = mcv_count == distinct_count && scan.toowide_count == 0 &&
                    stats->distinct_count > 0;
    if (!complete) {
        mcv_count = mcv_keep(track, mcv_count, stats->distinct_count, stats->null_frac,
                             sample_rows, total_rows);
    }
    const char **mcv_values = arena_alloc(arena, (mcv_count + 1u) * sizeof *mcv_values);
    double *mcv_freqs = arena_alloc(arena, (mcv_count + 1u) * sizeof *mcv_freqs);
    bool *in_mcv = arena_calloc(arena, (size_t)scan.value_count + 1);
    if (mcv_values == NULL || mcv_freqs == NULL || in_mcv == NULL) return oom();
    uint32_t mcv_rows = 0;
    for (uint32_t idx = 0; idx < mcv_count; idx++) {
        mcv_values[idx] = scan.values[track[idx].first].text;
        mcv_freqs[idx] = track[idx].count / sample_rows;
        mcv_rows += track[idx].count;
        memset(in_mcv + track[idx].first, 1, track[idx].count);
    }
    stats->mcv_count = (uint16_t)mcv_count;
    stats->mcv_values = mcv_values;
    stats->mcv_freqs = mcv_freqs;
    /* histogram: equi-depth bounds over the values left after removing the MCVs */
    uint32_t hist_count = distinct_count - mcv_count;
    if (hist_count > ANALYZE_HIST_BINS) hist_count = ANALYZE_HIST_BINS + 1;
    if (hist_count < 2) return NULL;
    uint32_t rest_count = scan.value_count - mcv_rows;
    const char **rest = arena_alloc(arena, ((size_t)rest_count + 1) * sizeof *rest);
    const char **bounds = arena_alloc(arena, (hist_count + 1u) * sizeof *bounds);
    if (rest == NULL || bounds == NULL) return oom();
    uint32_t rest_idx = 0;
    for (uint32_t idx = 0; idx < scan.value_count; idx++) {
        if (!in_mcv[idx]) rest[rest_idx++] = scan.values[idx].text;
    }
    ASSERT(rest_idx == rest_count);
    uint32_t delta = (rest_count - 1) / (hist_count - 1);
    uint32_t delta_frac = (rest_count - 1) % (hist_count - 1);
    uint32_t pos = 0, pos_frac = 0;
    for (uint32_t idx = 0; idx < hist_count; idx++) {
        bounds[idx] = rest[pos];
        pos += delta;
        pos_frac += delta_frac;
        if (pos_frac >= hist_count - 1) {
            pos++;
            pos_frac -= hist_count - 1;
        }
    }
    stats->histogram_count = (uint16_t)hist_count;
    stats->histogram = bounds;
    return NULL;
}

/* ------------------------------------------------------------ one table ---- */

static bool column_wanted(const CatColumn *column, const AstList *names)
{
    if (column->dropped) return false;
    if (names == NULL) return true;
    for (int idx = 0; idx < ast_list_count(names); idx++) {
        if (strcmp(names->items[idx], column->name) == 0) return true;
    }
    return false;
}

static Error *check_columns(const CatTable *table, const AstList *names)
{
    for (int idx = 0; idx < ast_list_count(names); idx++) {
        const char *name = names->items[idx];
        bool found = false;
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            if (!column->dropped && strcmp(column->name, name) == 0) found = true;
        }
        if (!found) {
            return err_new(SQLSTATE_UNDEFINED_COLUMN,
                           "column \"%s\" of relation \"%s\" does not exist", name, table->name);
        }
        for (int prev = 0; prev < idx; prev++) {
            if (strcmp(names->items[prev], name) == 0) {
                return err_new(SQLSTATE_DUPLICATE_COLUMN,
                               "column \"%s\" of relation \"%s\" appears more than once", name,
                               table->name);
            }
        }
    }
    return NULL;
}

static Error *analyze_table(birch_db *db, const CatTable *table, const AstList *columns)
{
    Catalog *catalog = engine_catalog(db->engine);
    TRY(check_columns(table, columns));
    TRY(lock_table(engine_locks(db->engine), txn_lock_owner(db->txn), table->oid,
                   LOCK_SHARE_UPDATE_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    Arena *arena = arena_create(256 * 1024);
    if (arena == NULL) return oom();
    Sample sample = { 0 };
    const CatStats *old = NULL;
    Error *err = collect_sample(db->txn, table, &sample);
    if (err == NULL && columns != NULL) {
        err = catalog_stats_load(catalog, db->txn, table->oid, arena, &old);
    }
    uint16_t column_count = table->column_count;
    CatColumnStats *stats = arena_calloc(arena, (column_count + 1u) * sizeof *stats);
    CatStatsColumn *ext = arena_calloc(arena, (column_count + 1u) * sizeof *ext);
    if (err == NULL && (stats == NULL || ext == NULL)) err = oom();
    for (uint16_t col_idx = 0; err == NULL && col_idx < column_count; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        ext[col_idx].correlation = NAN;
        if (!column_wanted(column, columns)) {
            const CatStatsColumn *old_ext = NULL;
            const CatColumnStats *kept = catalog_stats_column(old, table, col_idx, &old_ext);
            if (kept != NULL) {
                stats[col_idx] = *kept;
                ext[col_idx] = *old_ext;
            }
            continue;
        }
        if (sample.count == 0) continue;             /* an empty table: no column rows */
        ColumnResult result = { 0 };
        err = compute_column(db, table, column, &sample, arena, &result);
        if (err == NULL) {
            stats[col_idx] = result.stats;
            ext[col_idx] = result.ext;
        }
    }
    if (err == NULL) {
        CatTableStats base = { sample.total_rows, sample.page_count, column_count, stats };
        CatStats full = { &base, ext, table->root };
        err = catalog_stats_store(catalog, db->txn, table->oid, &full);
    }
    sample_free(&sample);
    arena_destroy(arena);
    return err;
}

/* ------------------------------------------------------------ statement ---- */

/* AnalyzeTarget: one relation named by the statement with its column list (NULL: all). */
typedef struct AnalyzeTarget {
    const AstList *name;
    AstList       *columns;
} AnalyzeTarget;

static Error *resolve_target(birch_db *db, const AstList *name, const CatTable **table_out)
{
    Catalog *catalog = engine_catalog(db->engine);
    int count = ast_list_count(name);
    const char *relname = name->items[count - 1];
    if (count == 1) {
        TRY(catalog_lookup_path(catalog, db->txn, db->search_path, db->search_path_count,
                                relname, table_out));
    } else {
        uint32_t namespace_oid = 0;
        TRY(catalog_lookup_namespace(catalog, db->txn, name->items[count - 2], &namespace_oid));
        if (namespace_oid == 0) {
            return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist",
                           (const char *)name->items[count - 2]);
        }
        TRY(catalog_lookup(catalog, db->txn, namespace_oid, relname, table_out));
    }
    if (*table_out == NULL) {
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", relname);
    }
    return NULL;
}

static void skip_notice(birch_db *db, const CatTable *table)
{
    Error *notice = err_new(SQLSTATE_WARNING,
                            "skipping \"%s\" --- cannot analyze non-tables or special system "
                            "tables", table->name);
    notice->severity = ERR_SEVERITY_WARNING;
    sess_notice(db, notice);
}

/* analyze_all: every user table visible to the transaction. */
static Error *analyze_all(birch_db *db, Arena *arena)
{
    const CatTable **tables = NULL;
    size_t count = 0;
    TRY(catalog_list(engine_catalog(db->engine), db->txn, arena, &tables, &count));
    for (size_t idx = 0; idx < count; idx++) {
        const CatTable *table = tables[idx];
        if (table->kind != CAT_KIND_TABLE || table->tree == NULL) continue;
        if (table->namespace_oid == CAT_OID_PG_CATALOG ||
            table->namespace_oid == CAT_OID_INFORMATION_SCHEMA) {
            continue;
        }
        TRY(analyze_table(db, table, NULL));
    }
    return NULL;
}

static Error *analyze_targets(birch_db *db, const AstVacuum *vacuum, Arena *arena)
{
    int count = ast_list_count(vacuum->tables);
    if (count == 0) return analyze_all(db, arena);
    if (count > ANALYZE_TARGET_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "too many relations in ANALYZE");
    }
    AnalyzeTarget *targets = arena_calloc(arena, (size_t)count * sizeof *targets);
    const CatTable **tables = arena_calloc(arena, (size_t)count * sizeof *tables);
    if (targets == NULL || tables == NULL) return oom();
    for (int idx = 0; idx < count; idx++) {
        targets[idx].name = vacuum->tables->items[idx];
        if (idx < ast_list_count(vacuum->columns)) targets[idx].columns = vacuum->columns->items[idx];
    }
    for (int idx = 0; idx < count; idx++) TRY(resolve_target(db, targets[idx].name, &tables[idx]));
    for (int idx = 0; idx < count; idx++) {
        if (tables[idx]->kind != CAT_KIND_TABLE || tables[idx]->tree == NULL) {
            skip_notice(db, tables[idx]);
            continue;
        }
        TRY(analyze_table(db, tables[idx], targets[idx].columns));
    }
    return NULL;
}

Error *ddl_analyze_run(birch_stmt *stmt, const AstVacuum *vacuum)
{
    birch_db *db = stmt->db;
    if (db->failed) return sess_failed_txn_error();
    bool own = db->txn == NULL && !db->block && db->exec_hold == 0;
    TRY(sess_txn_ensure(db));
    Arena *arena = arena_create(16 * 1024);
    Error *err = arena == NULL ? oom() : analyze_targets(db, vacuum, arena);
    if (arena != NULL) arena_destroy(arena);
    if (own) {
        Error *end_err = sess_txn_end(db, err == NULL);
        if (end_err != NULL && err == NULL) err = end_err;
        else if (end_err != NULL) err_free(end_err);
    }
    return err;
}
