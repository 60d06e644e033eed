/* executor/spill.c: anonymous temporary files of row blocks for spilling operators (spill.h).
 *
 * Writes go through one buffer per file and reach the kernel a SPILL_BUFFER_SIZE at a time;
 * reads refill the same buffer. Values are encoded per column of a block (one dispatch per
 * column, then a loop over the rows), and decoded the same way into flat vectors. */

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/asserts.h"
#include "common/failpoint.h"
#include "common/numeric.h"
#include "executor/spill.h"

enum {
    SPILL_PATH_SIZE_MAX = 4096,
    SPILL_BLOCK_HEADER_SIZE = 8,
    SPILL_VALUE_SIZE_MAX = 1 << 30,   /* a single value: sanity bound when decoding */
};

/* ReadState: one read position over a rewound file's blocks (the file's own, or a
 * SpillReader's); reads are pread(2) at offset, so positions over one descriptor are
 * independent. */
typedef struct ReadState {
    int      fd;
    bool     has_pending;         /* a block header read but not decoded yet */
    uint32_t pending_rows;
    uint32_t pending_columns;
    uint8_t *buffer;              /* SPILL_BUFFER_SIZE, allocated at the first read */
    size_t   used;                /* bytes in the buffer */
    size_t   pos;                 /* next byte */
    uint64_t offset;              /* file offset of the next pread */
} ReadState;

struct SpillFile {
    int       fd;
    bool      reading;
    uint8_t  *buffer;             /* writing */
    size_t    used;               /* writing: bytes buffered */
    ReadState rd;                 /* reading (after spill_file_rewind) */
    uint64_t  rows;
    uint64_t  bytes;
    Arena    *scratch;            /* NUM64 -> general conversions while writing */
};

struct SpillReader {
    ReadState rd;
};

static atomic_llong reader_live = 0;

static atomic_llong spill_live = 0;

int64_t spill_file_live_count(void) { return (int64_t)atomic_load(&spill_live); }

static Error *spill_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *write_error(int errnum)
{
    if (errnum == ENOSPC || errnum == EDQUOT) {
        return err_new(SQLSTATE_DISK_FULL,
                       "could not write to temporary file: No space left on device");
    }
    return err_new(SQLSTATE_IO_ERROR, "could not write to temporary file: %s", strerror(errnum));
}

static Error *corrupt(const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "temporary file block is corrupt: %s", what);
}

static int open_anonymous(const char *dir)
{
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -1;
#endif
    char path[SPILL_PATH_SIZE_MAX];
    int size = snprintf(path, sizeof path, "%s/birch_spill_XXXXXX", dir);
    if (size < 0 || (size_t)size >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd2 = mkostemp(path, O_CLOEXEC);
    if (fd2 < 0) return -1;
    (void)unlink(path);   /* the file lives on while fd2 is open */
    return fd2;
}

Error *spill_file_create(const char *dir, SpillFile **file_out)
{
    *file_out = NULL;
    if (dir == NULL || *dir == '\0') {
        dir = getenv("TMPDIR");
        if (dir == NULL || *dir == '\0') dir = "/tmp";
    }
    SpillFile *file = calloc(1, sizeof *file);
    uint8_t *buffer = malloc(SPILL_BUFFER_SIZE);
    if (file == NULL || buffer == NULL) {
        free(file);
        free(buffer);
        return spill_oom();
    }
    int fd = FAILPOINT("exec.spill.create") ? (errno = ENOSPC, -1) : open_anonymous(dir);
    if (fd < 0) {
        int errnum = errno;
        free(file);
        free(buffer);
        if (errnum == ENOSPC || errnum == EDQUOT) return write_error(errnum);
        return err_new(SQLSTATE_IO_ERROR, "could not create temporary file in \"%s\": %s", dir,
                       strerror(errnum));
    }
    file->fd = fd;
    file->buffer = buffer;
    atomic_fetch_add(&spill_live, 1);
    *file_out = file;
    return NULL;
}

void spill_file_close(SpillFile *file)
{
    if (file == NULL) return;
    (void)close(file->fd);
    free(file->buffer);
    free(file->rd.buffer);
    arena_destroy(file->scratch);
    free(file);
    atomic_fetch_sub(&spill_live, 1);
}

uint64_t spill_file_rows(const SpillFile *file) { return file->rows; }
uint64_t spill_file_bytes(const SpillFile *file) { return file->bytes; }

/* ---------------------------------------------------------------- writing ---- */

static Error *flush(SpillFile *file)
{
    size_t done = 0;
    while (done < file->used) {
        if (FAILPOINT("exec.spill.write")) return write_error(ENOSPC);
        ssize_t wrote = write(file->fd, file->buffer + done, file->used - done);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            return write_error(errno);
        }
        if (wrote == 0) return write_error(ENOSPC);
        done += (size_t)wrote;
    }
    file->bytes += file->used;
    file->used = 0;
    return NULL;
}

static Error *put(SpillFile *file, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    while (size > 0) {
        if (file->used == SPILL_BUFFER_SIZE) TRY(flush(file));
        size_t room = SPILL_BUFFER_SIZE - file->used;
        size_t take = size < room ? size : room;
        memcpy(file->buffer + file->used, bytes, take);
        file->used += take;
        bytes += take;
        size -= take;
    }
    return NULL;
}

static inline Error *put_u32(SpillFile *file, uint32_t value)
{
    return put(file, &value, sizeof value);
}

/* put_fixed: the valid rows' fixed-size values (width bytes each) of vec. */
static Error *put_fixed(SpillFile *file, const Vector *vec, const uint16_t *sel, uint32_t count,
                        size_t width)
{
    const uint8_t *data = vec->data;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        if (vec_is_null(vec, row)) continue;
        uint32_t slot = vec->is_constant ? 0 : row;
        if (SPILL_BUFFER_SIZE - file->used >= width) {
            memcpy(file->buffer + file->used, data + (size_t)slot * width, width);
            file->used += width;
        } else {
            TRY(put(file, data + (size_t)slot * width, width));
        }
    }
    return NULL;
}

static Error *put_strings(SpillFile *file, const Vector *vec, const uint16_t *sel, uint32_t count)
{
    const StrView *views = vec_str(vec);
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        if (vec_is_null(vec, row)) continue;
        const StrView *view = &views[vec->is_constant ? 0 : row];
        TRY(put_u32(file, view->size));
        TRY(put(file, str_view_data(view), view->size));
    }
    return NULL;
}

static Error *put_numerics(SpillFile *file, const Vector *vec, const uint16_t *sel, uint32_t count)
{
    if (file->scratch == NULL) {
        file->scratch = arena_create(16 * 1024);
        if (file->scratch == NULL) return spill_oom();
    }
    uint8_t stack[256];
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        if (vec_is_null(vec, row)) continue;
        arena_reset(file->scratch);
        Numeric num;
        TRY(vec_numeric_get(vec, vec->is_constant ? 0 : row, file->scratch, &num));
        size_t size = numeric_serialized_size(&num);
        uint8_t *bytes = size <= sizeof stack ? stack : arena_alloc(file->scratch, size);
        if (bytes == NULL) return spill_oom();
        numeric_serialize(&num, bytes);
        TRY(put_u32(file, (uint32_t)size));
        TRY(put(file, bytes, size));
    }
    return NULL;
}

static Error *put_validity(SpillFile *file, const Vector *vec, const uint16_t *sel, uint32_t count,
                           bool *has_nulls_out)
{
    bool has_nulls = false;
    if (vec->validity != NULL) {
        for (uint32_t pos = 0; pos < count && !has_nulls; pos++) {
            has_nulls = vec_is_null(vec, sel != NULL ? sel[pos] : pos);
        }
    }
    *has_nulls_out = has_nulls;
    uint8_t flag = has_nulls ? 1 : 0;
    TRY(put(file, &flag, 1));
    if (!has_nulls) return NULL;
    uint8_t bits[VEC_VALUE_COUNT_MAX / 8];
    memset(bits, 0, (count + 7) / 8);
    for (uint32_t pos = 0; pos < count; pos++) {
        if (!vec_is_null(vec, sel != NULL ? sel[pos] : pos)) bits[pos >> 3] |= 1u << (pos & 7);
    }
    return put(file, bits, (count + 7) / 8);
}

static Error *put_column(SpillFile *file, const Vector *vec, const uint16_t *sel, uint32_t count)
{
    VecPhys phys = (VecPhys)vec->phys;
    uint8_t stored = phys == VEC_PHYS_NUM64 ? VEC_PHYS_NUMERIC : (uint8_t)phys;
    TRY(put(file, &stored, 1));
    bool has_nulls;
    TRY(put_validity(file, vec, sel, count, &has_nulls));
    switch (phys) {
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: return put_numerics(file, vec, sel, count);
    case VEC_PHYS_STR:
    case VEC_PHYS_ARRAY: return put_strings(file, vec, sel, count);
    case VEC_PHYS_BOOL:
    case VEC_PHYS_I16:
    case VEC_PHYS_I32:
    case VEC_PHYS_I64:
    case VEC_PHYS_F32:
    case VEC_PHYS_F64:
    case VEC_PHYS_INTERVAL: return put_fixed(file, vec, sel, count, type_phys_size(phys));
    case VEC_PHYS_COUNT: break;
    }
    return err_new(SQLSTATE_INTERNAL_ERROR, "cannot spill a vector of physical form %d",
                   (int)phys);
}

Error *spill_file_write(SpillFile *file, const Vector *columns, uint32_t column_count,
                        const uint16_t *sel, uint32_t count)
{
    ASSERT(!file->reading);
    ASSERT(count <= VEC_VALUE_COUNT_MAX);
    if (count == 0) return NULL;
    TRY(put_u32(file, count));
    TRY(put_u32(file, column_count));
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        TRY(put_column(file, &columns[col_idx], sel, count));
    }
    file->rows += count;
    return NULL;
}

Error *spill_file_rewind(SpillFile *file)
{
    ASSERT(!file->reading);
    TRY(flush(file));
    if (lseek(file->fd, 0, SEEK_SET) < 0) {
        return err_new(SQLSTATE_IO_ERROR, "could not seek in temporary file: %s",
                       strerror(errno));
    }
    /* a rewound file may wait long to be read (pending partitions): drop its buffer until then */
    free(file->buffer);
    file->buffer = NULL;
    file->reading = true;
    file->used = 0;
    file->rd = (ReadState){ .fd = file->fd };
    return NULL;
}

Error *spill_file_restart(SpillFile *file)
{
    ASSERT(file->reading);
    file->rd.used = file->rd.pos = 0;
    file->rd.offset = 0;
    file->rd.has_pending = false;
    return NULL;
}

/* ---------------------------------------------------------------- reading ---- */

/* fill: make at least one unread byte available; *at_end_out when the file has no more. */
static Error *fill(ReadState *file, bool *at_end_out)
{
    *at_end_out = false;
    if (file->pos < file->used) return NULL;
    if (file->buffer == NULL) {
        file->buffer = malloc(SPILL_BUFFER_SIZE);
        if (file->buffer == NULL) return spill_oom();
    }
    for (;;) {
        ssize_t got = pread(file->fd, file->buffer, SPILL_BUFFER_SIZE, (off_t)file->offset);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            return err_new(SQLSTATE_IO_ERROR, "could not read from temporary file: %s",
                           strerror(errno));
        }
        file->used = (size_t)got;
        file->pos = 0;
        file->offset += (uint64_t)got;
        *at_end_out = got == 0;
        return NULL;
    }
}

static Error *get(ReadState *file, void *data, size_t size)
{
    uint8_t *bytes = data;
    while (size > 0) {
        bool at_end;
        TRY(fill(file, &at_end));
        if (at_end) return corrupt("truncated block");
        size_t avail = file->used - file->pos;
        size_t take = size < avail ? size : avail;
        memcpy(bytes, file->buffer + file->pos, take);
        file->pos += take;
        bytes += take;
        size -= take;
    }
    return NULL;
}

static Error *get_u32(ReadState *file, uint32_t *value_out)
{
    return get(file, value_out, sizeof *value_out);
}

/* next_header: read the next block's header into pending; false at the end of the file. */
static Error *next_header(ReadState *file, bool *found_out)
{
    *found_out = false;
    if (file->has_pending) {
        *found_out = true;
        return NULL;
    }
    bool at_end;
    TRY(fill(file, &at_end));
    if (at_end) return NULL;
    TRY(get_u32(file, &file->pending_rows));
    TRY(get_u32(file, &file->pending_columns));
    if (file->pending_rows == 0 || file->pending_rows > VEC_VALUE_COUNT_MAX) {
        return corrupt("bad row count");
    }
    file->has_pending = true;
    *found_out = true;
    return NULL;
}

static Error *get_fixed(ReadState *file, Vector *vec, const uint8_t *bits, uint32_t at,
                        uint32_t count, size_t width)
{
    uint8_t *data = vec->data;
    if (bits == NULL) return get(file, data + (size_t)at * width, (size_t)count * width);
    for (uint32_t pos = 0; pos < count; pos++) {
        if ((bits[pos >> 3] >> (pos & 7)) & 1) {
            TRY(get(file, data + (size_t)(at + pos) * width, width));
        } else {
            memset(data + (size_t)(at + pos) * width, 0, width);
        }
    }
    return NULL;
}

static Error *get_value_size(ReadState *file, uint32_t *size_out)
{
    TRY(get_u32(file, size_out));
    if (*size_out > SPILL_VALUE_SIZE_MAX) return corrupt("bad value size");
    return NULL;
}

static Error *get_strings(ReadState *file, Vector *vec, const uint8_t *bits, uint32_t at,
                          uint32_t count, Arena *arena)
{
    StrView *views = vec_str(vec);
    for (uint32_t pos = 0; pos < count; pos++) {
        StrView *view = &views[at + pos];
        if (bits != NULL && !((bits[pos >> 3] >> (pos & 7)) & 1)) {
            memset(view, 0, sizeof *view);
            continue;
        }
        uint32_t size;
        TRY(get_value_size(file, &size));
        char *bytes = arena_alloc(arena, size + 1);
        if (bytes == NULL) return spill_oom();
        TRY(get(file, bytes, size));
        *view = str_view_make_ref(bytes, size);
    }
    return NULL;
}

static Error *get_numerics(ReadState *file, Vector *vec, const uint8_t *bits, uint32_t at,
                           uint32_t count, Arena *arena)
{
    Numeric *nums = vec_numeric(vec);
    uint8_t stack[256];
    for (uint32_t pos = 0; pos < count; pos++) {
        Numeric *num = &nums[at + pos];
        if (bits != NULL && !((bits[pos >> 3] >> (pos & 7)) & 1)) {
            memset(num, 0, sizeof *num);
            continue;
        }
        uint32_t size;
        TRY(get_value_size(file, &size));
        uint8_t *bytes = size <= sizeof stack ? stack : arena_alloc(arena, size);
        if (bytes == NULL) return spill_oom();
        TRY(get(file, bytes, size));
        Error *err = numeric_deserialize(bytes, size, arena, num);
        if (err != NULL) {
            err_free(err);
            return corrupt("bad numeric");
        }
    }
    return NULL;
}

/* get_column: decode one column of the pending block into rows [at, at + count) of vec. */
static Error *get_column(ReadState *file, Vector *vec, uint32_t at, uint32_t count, Arena *arena)
{
    uint8_t header[2];
    TRY(get(file, header, 2));
    if (header[0] != vec->phys) return corrupt("column form does not match");
    if (header[1] > 1) return corrupt("bad NULL flag");
    uint8_t bits_store[VEC_VALUE_COUNT_MAX / 8];
    const uint8_t *bits = NULL;
    if (header[1] == 1) {
        TRY(get(file, bits_store, (count + 7) / 8));
        bits = bits_store;
        TRY(vec_validity_ensure(vec));
        for (uint32_t pos = 0; pos < count; pos++) {
            if (!((bits[pos >> 3] >> (pos & 7)) & 1)) TRY(vec_set_null(vec, at + pos));
        }
    }
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_NUMERIC: return get_numerics(file, vec, bits, at, count, arena);
    case VEC_PHYS_STR:
    case VEC_PHYS_ARRAY: return get_strings(file, vec, bits, at, count, arena);
    case VEC_PHYS_BOOL:
    case VEC_PHYS_I16:
    case VEC_PHYS_I32:
    case VEC_PHYS_I64:
    case VEC_PHYS_F32:
    case VEC_PHYS_F64:
    case VEC_PHYS_INTERVAL:
        return get_fixed(file, vec, bits, at, count, type_phys_size((VecPhys)vec->phys));
    case VEC_PHYS_NUM64:
    case VEC_PHYS_COUNT: break;
    }
    return corrupt("unknown column form");
}

static Error *init_chunk(DataChunk *chunk, const Type *types, uint32_t column_count, Arena *arena)
{
    TRY(chunk_init(chunk, types, column_count, arena));
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        VecPhys phys = type_phys(types[col_idx]);
        if (phys == VEC_PHYS_NUM64) {
            vec_init_phys(vec, types[col_idx], VEC_PHYS_NUMERIC, 0, arena);
        }
        TRY(vec_reserve(vec, VEC_VALUE_COUNT_MAX));
    }
    return NULL;
}

static Error *read_chunk(ReadState *file, const Type *types, uint32_t column_count,
                         Arena *arena, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    bool found;
    TRY(next_header(file, &found));
    if (!found) return NULL;
    DataChunk *chunk = arena_alloc(arena, sizeof(DataChunk));
    if (chunk == NULL) return spill_oom();
    TRY(init_chunk(chunk, types, column_count, arena));
    uint32_t row_count = 0;
    while (found && row_count + file->pending_rows <= VEC_VALUE_COUNT_MAX) {
        if (file->pending_columns != column_count) return corrupt("column count does not match");
        uint32_t count = file->pending_rows;
        file->has_pending = false;
        for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
            TRY(get_column(file, &chunk->columns[col_idx], row_count, count, arena));
        }
        row_count += count;
        TRY(next_header(file, &found));
    }
    chunk->row_count = row_count;
    *chunk_out = chunk;
    return NULL;
}

Error *spill_file_read(SpillFile *file, const Type *types, uint32_t column_count, Arena *arena,
                       DataChunk **chunk_out)
{
    ASSERT(file->reading);
    return read_chunk(&file->rd, types, column_count, arena, chunk_out);
}

/* ---------------------------------------------------------------- readers ---- */

Error *spill_reader_open(SpillFile *file, SpillReader **reader_out)
{
    ASSERT(file->reading);
    *reader_out = NULL;
    SpillReader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) return spill_oom();
    reader->rd = (ReadState){ .fd = file->fd };
    atomic_fetch_add(&reader_live, 1);
    *reader_out = reader;
    return NULL;
}

Error *spill_reader_read(SpillReader *reader, const Type *types, uint32_t column_count,
                         Arena *arena, DataChunk **chunk_out)
{
    return read_chunk(&reader->rd, types, column_count, arena, chunk_out);
}

void spill_reader_restart(SpillReader *reader)
{
    reader->rd.used = reader->rd.pos = 0;
    reader->rd.offset = 0;
    reader->rd.has_pending = false;
}

void spill_reader_close(SpillReader *reader)
{
    if (reader == NULL) return;
    free(reader->rd.buffer);
    free(reader);
    atomic_fetch_sub(&reader_live, 1);
}

int64_t spill_reader_live_count(void) { return (int64_t)atomic_load(&reader_live); }

/* ---------------------------------------------------------------- partitions ---- */

Error *spill_parts_write(SpillFile **parts, const char *dir, uint32_t level,
                         const Vector *columns, uint32_t column_count, const uint16_t *rows,
                         const uint64_t *hashes, uint32_t count)
{
    ASSERT(count <= VEC_VALUE_COUNT_MAX);
    uint32_t part_start[SPILL_FANOUT + 1] = { 0 };
    uint8_t part[VEC_VALUE_COUNT_MAX];
    uint16_t sorted[VEC_VALUE_COUNT_MAX];
    for (uint32_t pos = 0; pos < count; pos++) {
        part[pos] = (uint8_t)spill_part_of(hashes[pos], level);
        part_start[part[pos] + 1]++;
    }
    for (uint32_t idx = 0; idx < SPILL_FANOUT; idx++) part_start[idx + 1] += part_start[idx];
    uint32_t fill[SPILL_FANOUT];
    memcpy(fill, part_start, sizeof fill);
    for (uint32_t pos = 0; pos < count; pos++) sorted[fill[part[pos]]++] = rows[pos];
    for (uint32_t idx = 0; idx < SPILL_FANOUT; idx++) {
        uint32_t from = part_start[idx], to = part_start[idx + 1];
        if (from == to) continue;
        if (parts[idx] == NULL) TRY(spill_file_create(dir, &parts[idx]));
        TRY(spill_file_write(parts[idx], columns, column_count, sorted + from, to - from));
    }
    return NULL;
}
