/* planner/catalog_codec.c: the byte formats of the catalog's system trees: birch_rel records
 * (a row record whose last column is the serialized definition), name keys and statistics.
 *
 * The definition is a flat little-endian stream (format byte first) read back with bounds
 * checks: bytes from disk that do not decode are DATA_CORRUPTED, never an assert. Every kind
 * writes every section (empty ones are a zero count), so one reader serves all kinds. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "planner/catalog_int.h"
#include "storage/key.h"

enum { STR_NULL = 0xFFFFFFFFu };

Error *cat_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

void *cat_arena_dup(Arena *arena, const void *bytes, size_t size)
{
    void *copy = arena_alloc(arena, size > 0 ? size : 1);
    if (copy != NULL && size > 0) memcpy(copy, bytes, size);
    return copy;
}

const char *cat_arena_str(Arena *arena, const char *text)
{
    return text == NULL ? NULL : arena_strdup(arena, text);
}

void cat_int_key(int64_t value, uint8_t out[CAT_KEY_INT_SIZE])
{
    KeyBuf buf;
    key_buf_init(&buf, out, CAT_KEY_INT_SIZE);
    Error *err = key_append_int64(&buf, KEY_ASC, value);
    VERIFY(err == NULL);
}

Error *cat_name_key(uint32_t namespace_oid, const char *name, uint8_t *out, size_t *size_out)
{
    KeyBuf buf;
    key_buf_init(&buf, out, KEY_SIZE_MAX);
    TRY(key_append_int64(&buf, KEY_ASC, (int64_t)namespace_oid));
    TRY(key_append_text(&buf, KEY_ASC, name, strlen(name)));
    *size_out = buf.size;
    return NULL;
}

/* ---- writer ---- */

typedef struct Writer {
    uint8_t *data;
    size_t   size;
    size_t   capacity;
    bool     failed;
} Writer;

static void put(Writer *writer, const void *bytes, size_t size)
{
    if (writer->failed) return;
    if (writer->size + size > writer->capacity) {
        size_t capacity = writer->capacity * 2 + size + 64;
        uint8_t *data = realloc(writer->data, capacity);
        if (data == NULL) {
            writer->failed = true;
            return;
        }
        writer->data = data;
        writer->capacity = capacity;
    }
    if (size > 0) memcpy(writer->data + writer->size, bytes, size);
    writer->size += size;
}

static void put_u8(Writer *writer, uint8_t value) { put(writer, &value, 1); }
static void put_u16(Writer *writer, uint16_t value)
{
    uint8_t bytes[2];
    enc_u16le(bytes, value);
    put(writer, bytes, 2);
}
static void put_u32(Writer *writer, uint32_t value)
{
    uint8_t bytes[4];
    enc_u32le(bytes, value);
    put(writer, bytes, 4);
}
static void put_u64(Writer *writer, uint64_t value)
{
    uint8_t bytes[8];
    enc_u64le(bytes, value);
    put(writer, bytes, 8);
}
static void put_str(Writer *writer, const char *text)
{
    if (text == NULL) {
        put_u32(writer, STR_NULL);
        return;
    }
    size_t size = strlen(text);
    put_u32(writer, (uint32_t)size);
    put(writer, text, size);
}
static void put_attnums(Writer *writer, const int16_t *attnums, uint16_t count)
{
    for (uint16_t idx = 0; idx < count; idx++) put_u16(writer, (uint16_t)attnums[idx]);
}

static Error *writer_finish(Writer *writer, uint8_t **bytes_out, size_t *size_out)
{
    if (writer->failed) {
        free(writer->data);
        return cat_oom();
    }
    *bytes_out = writer->data;
    *size_out = writer->size;
    return NULL;
}

/* ---- reader ---- */

typedef struct Reader {
    const uint8_t *data;
    size_t         size;
    size_t         offset;
    Arena         *arena;
    Error         *err;
} Reader;

static const uint8_t *take(Reader *reader, size_t size)
{
    if (reader->err != NULL) return NULL;
    if (size > reader->size - reader->offset) {
        reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog record is truncated");
        return NULL;
    }
    const uint8_t *bytes = reader->data + reader->offset;
    reader->offset += size;
    return bytes;
}
static uint8_t get_u8(Reader *reader)
{
    const uint8_t *bytes = take(reader, 1);
    return bytes != NULL ? bytes[0] : 0;
}
static uint16_t get_u16(Reader *reader)
{
    const uint8_t *bytes = take(reader, 2);
    return bytes != NULL ? dec_u16le(bytes) : 0;
}
static uint32_t get_u32(Reader *reader)
{
    const uint8_t *bytes = take(reader, 4);
    return bytes != NULL ? dec_u32le(bytes) : 0;
}
static uint64_t get_u64(Reader *reader)
{
    const uint8_t *bytes = take(reader, 8);
    return bytes != NULL ? dec_u64le(bytes) : 0;
}
static void *get_alloc(Reader *reader, size_t size)
{
    if (reader->err != NULL) return NULL;
    void *memory = arena_calloc(reader->arena, size > 0 ? size : 1);
    if (memory == NULL) reader->err = cat_oom();
    return memory;
}
static const char *get_str(Reader *reader)
{
    uint32_t size = get_u32(reader);
    if (reader->err != NULL || size == STR_NULL) return NULL;
    const uint8_t *bytes = take(reader, size);
    if (bytes == NULL) return NULL;
    if (memchr(bytes, 0, size) != NULL) {
        reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog record holds a bad name");
        return NULL;
    }
    char *text = get_alloc(reader, (size_t)size + 1);
    if (text == NULL) return NULL;
    memcpy(text, bytes, size);
    return text;
}
static int16_t *get_attnums(Reader *reader, uint16_t count)
{
    int16_t *attnums = get_alloc(reader, sizeof *attnums * count);
    for (uint16_t idx = 0; attnums != NULL && idx < count; idx++) {
        attnums[idx] = (int16_t)get_u16(reader);
    }
    return attnums;
}
static uint32_t *get_oids(Reader *reader, uint16_t count)
{
    uint32_t *oids = get_alloc(reader, sizeof *oids * count);
    for (uint16_t idx = 0; oids != NULL && idx < count; idx++) oids[idx] = get_u32(reader);
    return oids;
}
static void put_oids(Writer *writer, const uint32_t *oids, uint16_t count)
{
    put_u16(writer, count);
    for (uint16_t idx = 0; idx < count; idx++) put_u32(writer, oids[idx]);
}

/* ---- definitions ---- */

static void encode_columns(Writer *writer, const CatRelDef *def)
{
    put_u16(writer, def->column_count);
    for (uint16_t idx = 0; idx < def->column_count; idx++) {
        const CatColumn *column = &def->columns[idx];
        put_str(writer, column->name);
        put_u32(writer, column->type.id);
        put_u32(writer, (uint32_t)column->type.typmod);
        put_u8(writer, (uint8_t)((column->not_null ? 1 : 0) | (column->dropped ? 2 : 0)));
        put_u8(writer, (uint8_t)column->identity);
        put_str(writer, column->default_sql);
        bool has = def->has_missing != NULL && def->has_missing[idx];
        put_u8(writer, has ? (def->missing[idx].is_null ? 2 : 1) : 0);
        if (has && !def->missing[idx].is_null) {
            put_u32(writer, (uint32_t)def->missing[idx].size);
            put(writer, def->missing[idx].bytes, def->missing[idx].size);
        }
    }
}

static void encode_constraints(Writer *writer, const CatRelDef *def)
{
    put_u16(writer, def->constraint_count);
    for (uint16_t idx = 0; idx < def->constraint_count; idx++) {
        const CatConstraint *constraint = &def->constraints[idx];
        put_u32(writer, constraint->oid);
        put_str(writer, constraint->name);
        put_u8(writer, (uint8_t)constraint->kind);
        put_u16(writer, constraint->column_count);
        put_attnums(writer, constraint->attnums, constraint->column_count);
        put_u32(writer, constraint->index_oid);
        put_str(writer, constraint->check_sql);
        put_u32(writer, constraint->ref_table_oid);
        put_u8(writer, constraint->ref_attnums != NULL);
        if (constraint->ref_attnums != NULL) {
            put_attnums(writer, constraint->ref_attnums, constraint->column_count);
        }
        put_u8(writer, (uint8_t)constraint->on_delete);
        put_u8(writer, (uint8_t)constraint->on_update);
    }
}

static void encode_index_and_sequence(Writer *writer, const CatRelDef *def)
{
    put_u32(writer, def->table_oid);
    put_u8(writer, (uint8_t)((def->unique ? 1 : 0) | (def->primary ? 2 : 0)));
    put_u16(writer, def->key_count);
    put_attnums(writer, def->key_attnums, def->key_count);
    for (uint16_t idx = 0; idx < def->key_count; idx++) {
        put_u8(writer, (uint8_t)((def->key_descending[idx] ? 1 : 0) |
                                 (def->key_nulls_first[idx] ? 2 : 0)));
    }
    const CatSequenceDef *seq = &def->seq;
    put_u32(writer, seq->type.id);
    put_u64(writer, (uint64_t)seq->start);
    put_u64(writer, (uint64_t)seq->increment);
    put_u64(writer, (uint64_t)seq->min_value);
    put_u64(writer, (uint64_t)seq->max_value);
    put_u64(writer, (uint64_t)seq->cache);
    put_u8(writer, seq->cycle);
    put_u32(writer, seq->owner_table_oid);
    put_u16(writer, (uint16_t)seq->owner_attnum);
}

Error *cat_def_encode(const CatRelDef *def, uint8_t **bytes_out, size_t *size_out)
{
    Writer writer = {0};
    put_u8(&writer, CAT_DEF_FORMAT);
    put_u8(&writer, (uint8_t)def->kind);
    put_u32(&writer, def->oid);
    put_u32(&writer, def->namespace_oid);
    put_str(&writer, def->name);
    put_u32(&writer, def->root);
    put_u16(&writer, (uint16_t)def->cluster_attnum);
    put_u32(&writer, (uint32_t)def->fillfactor);
    encode_columns(&writer, def);
    encode_constraints(&writer, def);
    put_oids(&writer, def->index_oids, def->index_count);
    put_oids(&writer, def->refby_oids, def->refby_count);
    put_oids(&writer, def->owned_seq_oids, def->owned_seq_count);
    put_str(&writer, def->view_sql);
    encode_index_and_sequence(&writer, def);
    if (def->dep_count > 0) {   /* optional trailer: a view's dependencies */
        put_u8(&writer, CAT_DEF_TRAILER_DEPS);
        put_u16(&writer, def->dep_count);
        for (uint16_t idx = 0; idx < def->dep_count; idx++) {
            put_u32(&writer, def->deps[idx].ref_oid);
            put_u16(&writer, (uint16_t)def->deps[idx].ref_attnum);
        }
    }
    if (def->kind == CAT_KIND_SEQUENCE && def->seq.state_key != 0 &&
        def->seq.state_key != def->oid) {   /* optional trailer: restarted sequence */
        put_u8(&writer, CAT_DEF_TRAILER_SEQ_KEY);
        put_u32(&writer, def->seq.state_key);
    }
    return writer_finish(&writer, bytes_out, size_out);
}

static void decode_columns(Reader *reader, CatRelDef *def)
{
    def->column_count = get_u16(reader);
    if (def->column_count > ROW_COLUMN_COUNT_MAX && reader->err == NULL) {
        reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog record has too many columns");
    }
    def->columns = get_alloc(reader, sizeof *def->columns * def->column_count);
    def->missing = get_alloc(reader, sizeof *def->missing * def->column_count);
    def->has_missing = get_alloc(reader, sizeof *def->has_missing * def->column_count);
    for (uint16_t idx = 0; reader->err == NULL && idx < def->column_count; idx++) {
        CatColumn *column = &def->columns[idx];
        column->name = get_str(reader);
        column->type.id = get_u32(reader);
        column->type.typmod = (int32_t)get_u32(reader);
        uint8_t flags = get_u8(reader);
        column->not_null = (flags & 1) != 0;
        column->dropped = (flags & 2) != 0;
        column->identity = (char)get_u8(reader);
        column->default_sql = get_str(reader);
        column->attnum = (int16_t)(idx + 1);
        uint8_t missing = get_u8(reader);
        def->has_missing[idx] = missing != 0;
        def->missing[idx].is_null = missing != 1;
        if (missing == 1) {
            uint32_t size = get_u32(reader);
            const uint8_t *bytes = take(reader, size);
            def->missing[idx].bytes = bytes != NULL ? cat_arena_dup(reader->arena, bytes, size)
                                                    : NULL;
            def->missing[idx].size = size;
        }
        if (column->name == NULL && reader->err == NULL) {
            reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog column without a name");
        }
    }
}

static void decode_constraints(Reader *reader, CatRelDef *def)
{
    def->constraint_count = get_u16(reader);
    def->constraints = get_alloc(reader, sizeof *def->constraints * def->constraint_count);
    for (uint16_t idx = 0; reader->err == NULL && idx < def->constraint_count; idx++) {
        CatConstraint *constraint = &def->constraints[idx];
        constraint->oid = get_u32(reader);
        constraint->name = get_str(reader);
        constraint->kind = (char)get_u8(reader);
        constraint->column_count = get_u16(reader);
        constraint->attnums = get_attnums(reader, constraint->column_count);
        constraint->index_oid = get_u32(reader);
        constraint->check_sql = get_str(reader);
        constraint->ref_table_oid = get_u32(reader);
        if (get_u8(reader) != 0) {
            constraint->ref_attnums = get_attnums(reader, constraint->column_count);
        }
        constraint->on_delete = (char)get_u8(reader);
        constraint->on_update = (char)get_u8(reader);
        if (constraint->name == NULL && reader->err == NULL) {
            reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog constraint without a name");
        }
    }
}

static void decode_index_and_sequence(Reader *reader, CatRelDef *def)
{
    def->table_oid = get_u32(reader);
    uint8_t flags = get_u8(reader);
    def->unique = (flags & 1) != 0;
    def->primary = (flags & 2) != 0;
    def->key_count = get_u16(reader);
    def->key_attnums = get_attnums(reader, def->key_count);
    def->key_descending = get_alloc(reader, def->key_count);
    def->key_nulls_first = get_alloc(reader, def->key_count);
    for (uint16_t idx = 0; reader->err == NULL && idx < def->key_count; idx++) {
        uint8_t key_flags = get_u8(reader);
        def->key_descending[idx] = (key_flags & 1) != 0;
        def->key_nulls_first[idx] = (key_flags & 2) != 0;
    }
    CatSequenceDef *seq = &def->seq;
    seq->type = type_plain((TypeId)get_u32(reader));
    seq->start = (int64_t)get_u64(reader);
    seq->increment = (int64_t)get_u64(reader);
    seq->min_value = (int64_t)get_u64(reader);
    seq->max_value = (int64_t)get_u64(reader);
    seq->cache = (int64_t)get_u64(reader);
    seq->cycle = get_u8(reader) != 0;
    seq->owner_table_oid = get_u32(reader);
    seq->owner_attnum = (int16_t)get_u16(reader);
    seq->namespace_oid = def->namespace_oid;
    seq->name = def->name;
}

/* decode_trailer: the optional sections after the fixed part, each a tag and its data
 * (records written before a section existed simply end earlier). */
static void decode_trailer(Reader *reader, CatRelDef *def)
{
    for (int section_idx = 0; section_idx < 2; section_idx++) {   /* 'D', 'K': at most one each */
        if (reader->err != NULL || reader->offset == reader->size) return;
        uint8_t tag = get_u8(reader);
        if (tag == CAT_DEF_TRAILER_SEQ_KEY) {
            def->seq.state_key = get_u32(reader);
            continue;
        }
        if (tag != CAT_DEF_TRAILER_DEPS) {
            reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog record has an unknown section");
            return;
        }
        def->dep_count = get_u16(reader);
        def->deps = get_alloc(reader, sizeof *def->deps * def->dep_count);
        for (uint16_t idx = 0; reader->err == NULL && idx < def->dep_count; idx++) {
            def->deps[idx].ref_oid = get_u32(reader);
            def->deps[idx].ref_attnum = (int16_t)get_u16(reader);
        }
    }
    if (reader->err == NULL && reader->offset != reader->size) {
        reader->err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog record has trailing bytes");
    }
}

Error *cat_def_decode(const uint8_t *bytes, size_t size, Arena *arena, CatRelDef *def_out)
{
    Reader reader = {.data = bytes, .size = size, .arena = arena};
    CatRelDef def = {0};
    if (get_u8(&reader) != CAT_DEF_FORMAT && reader.err == NULL) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "catalog record has an unknown format");
    }
    def.kind = (char)get_u8(&reader);
    def.oid = get_u32(&reader);
    def.namespace_oid = get_u32(&reader);
    def.name = get_str(&reader);
    def.root = get_u32(&reader);
    def.cluster_attnum = (int16_t)get_u16(&reader);
    def.fillfactor = (int)get_u32(&reader);
    decode_columns(&reader, &def);
    decode_constraints(&reader, &def);
    def.index_count = get_u16(&reader);
    def.index_oids = get_oids(&reader, def.index_count);
    def.refby_count = get_u16(&reader);
    def.refby_oids = get_oids(&reader, def.refby_count);
    def.owned_seq_count = get_u16(&reader);
    def.owned_seq_oids = get_oids(&reader, def.owned_seq_count);
    def.view_sql = get_str(&reader);
    decode_index_and_sequence(&reader, &def);
    decode_trailer(&reader, &def);
    if (reader.err == NULL && def.name == NULL) {
        reader.err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog relation without a name");
    }
    if (reader.err == NULL && def.cluster_attnum > (int16_t)def.column_count) {
        reader.err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog relation has a bad cluster key");
    }
    if (reader.err != NULL) return reader.err;
    *def_out = def;
    return NULL;
}

Error *cat_def_copy(const CatRelDef *def, Arena *arena, CatRelDef *copy_out)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    TRY(cat_def_encode(def, &bytes, &size));
    Error *err = cat_def_decode(bytes, size, arena, copy_out);
    if (err == NULL) copy_out->version = def->version;
    free(bytes);
    return err;
}

Error *cat_rel_record(Catalog *catalog, const CatRelDef *def, uint8_t **record_out,
                      size_t *size_out)
{
    uint8_t *bytes = NULL;
    size_t bytes_size = 0;
    TRY(cat_def_encode(def, &bytes, &bytes_size));
    uint8_t kind = (uint8_t)def->kind;
    uint8_t namespace_bytes[8];
    uint8_t version_bytes[8];
    enc_u64le(namespace_bytes, def->namespace_oid);
    enc_u64le(version_bytes, def->version);
    RowValue values[CAT_REL_COL_COUNT] = {
        [CAT_REL_COL_KIND] = {.bytes = &kind, .size = 1},
        [CAT_REL_COL_NAMESPACE] = {.bytes = namespace_bytes, .size = 8},
        [CAT_REL_COL_VERSION] = {.bytes = version_bytes, .size = 8},
        [CAT_REL_COL_DEF] = {.bytes = bytes, .size = bytes_size},
    };
    size_t size = 0;
    Error *err = row_size(catalog->rel_layout, values, &size);
    uint8_t *record = err == NULL ? malloc(size) : NULL;
    if (err == NULL && record == NULL) err = cat_oom();
    if (err == NULL) {
        RowHeader header = {0};
        row_encode(catalog->rel_layout, &header, values, record, size);
        *record_out = record;
        *size_out = size;
    }
    free(bytes);
    return err;
}

Error *cat_rel_record_version(Catalog *catalog, const uint8_t *record, size_t size,
                              uint64_t *xid_out, uint64_t *version_out)
{
    RowHeader header;
    TRY(row_header_read(record, size, &header));
    RowValue value;
    TRY(row_column(catalog->rel_layout, record, size, CAT_REL_COL_VERSION, &value));
    if (value.is_null || value.size != 8) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "catalog record without a version");
    }
    *xid_out = header.xid;
    *version_out = dec_u64le(value.bytes);
    return NULL;
}

Error *cat_rel_record_decode(Catalog *catalog, const uint8_t *record, size_t size, Arena *arena,
                             CatRelDef *def_out, uint64_t *xid_out)
{
    TRY(row_validate(catalog->rel_layout, record, size));
    uint64_t version = 0;
    TRY(cat_rel_record_version(catalog, record, size, xid_out, &version));
    RowValue value;
    TRY(row_column(catalog->rel_layout, record, size, CAT_REL_COL_DEF, &value));
    if (value.is_null) return err_new(SQLSTATE_DATA_CORRUPTED, "catalog record is empty");
    TRY(cat_def_decode(value.bytes, value.size, arena, def_out));
    def_out->version = version;
    return NULL;
}

/* ---- statistics ---- */

static void put_f64(Writer *writer, double value)
{
    uint64_t bits = 0;
    memcpy(&bits, &value, 8);
    put_u64(writer, bits);
}
static double get_f64(Reader *reader)
{
    uint64_t bits = get_u64(reader);
    double value = 0;
    memcpy(&value, &bits, 8);
    return value;
}

Error *cat_stats_encode(const CatTableStats *stats, uint8_t **bytes_out, size_t *size_out)
{
    Writer writer = {0};
    put_u8(&writer, CAT_DEF_FORMAT);
    put_f64(&writer, stats->row_count);
    put_u64(&writer, stats->page_count);
    put_u16(&writer, stats->column_count);
    for (uint16_t col_idx = 0; col_idx < stats->column_count; col_idx++) {
        const CatColumnStats *column = &stats->columns[col_idx];
        put_f64(&writer, column->null_frac);
        put_f64(&writer, column->distinct_count);
        put_u16(&writer, column->mcv_count);
        for (uint16_t idx = 0; idx < column->mcv_count; idx++) {
            put_str(&writer, column->mcv_values[idx]);
            put_f64(&writer, column->mcv_freqs[idx]);
        }
        put_u16(&writer, column->histogram_count);
        for (uint16_t idx = 0; idx < column->histogram_count; idx++) {
            put_str(&writer, column->histogram[idx]);
        }
    }
    return writer_finish(&writer, bytes_out, size_out);
}

Error *cat_stats_decode(const uint8_t *bytes, size_t size, Arena *arena,
                        const CatTableStats **stats_out)
{
    Reader reader = {.data = bytes, .size = size, .arena = arena};
    if (get_u8(&reader) != CAT_DEF_FORMAT && reader.err == NULL) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "statistics record has an unknown format");
    }
    CatTableStats *stats = get_alloc(&reader, sizeof *stats);
    if (stats == NULL) return reader.err;
    stats->row_count = get_f64(&reader);
    stats->page_count = get_u64(&reader);
    stats->column_count = get_u16(&reader);
    CatColumnStats *columns = get_alloc(&reader, sizeof *columns * stats->column_count);
    for (uint16_t col_idx = 0; reader.err == NULL && col_idx < stats->column_count; col_idx++) {
        CatColumnStats *column = &columns[col_idx];
        column->null_frac = get_f64(&reader);
        column->distinct_count = get_f64(&reader);
        column->mcv_count = get_u16(&reader);
        const char **values = get_alloc(&reader, sizeof *values * column->mcv_count);
        double *freqs = get_alloc(&reader, sizeof *freqs * column->mcv_count);
        for (uint16_t idx = 0; reader.err == NULL && idx < column->mcv_count; idx++) {
            values[idx] = get_str(&reader);
            freqs[idx] = get_f64(&reader);
        }
        column->mcv_values = values;
        column->mcv_freqs = freqs;
        column->histogram_count = get_u16(&reader);
        const char **bounds = get_alloc(&reader, sizeof *bounds * column->histogram_count);
        for (uint16_t idx = 0; reader.err == NULL && idx < column->histogram_count; idx++) {
            bounds[idx] = get_str(&reader);
        }
        column->histogram = bounds;
    }
    stats->columns = columns;
    if (reader.err != NULL) return reader.err;
    *stats_out = stats;
    return NULL;
}
