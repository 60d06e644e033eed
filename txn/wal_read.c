/* txn/wal_read.c: reading records back: sequential scans for recovery and random reads by LSN
 * for rollbacks. Everything read from the file is validated (LSN, size, generation, crc)
 * before use; a record that fails is "no record here" (the end of the log), and a record whose
 * crc matches but whose body does not decode is DATA_CORRUPTED. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/hash_crc32.h"
#include "txn/wal_int.h"

enum { READ_CHUNK_SIZE = 2 << 20 };

/* While the log is not being appended (recovery), reads go through a 2 MiB read-ahead chunk,
 * and a record that lies wholly inside it is decoded in place (no copy); while the log is being
 * appended, every read goes to the file (positions past the written LSN change). */
struct WalReader {
    Wal      *wal;
    uint8_t  *chunk;
    uint64_t  chunk_lsn;
    size_t    chunk_size;
    uint8_t  *record;          /* the stored record (header + body) */
    size_t    record_capacity;
    uint8_t  *raw;             /* the decompressed body */
    size_t    raw_capacity;
    uint32_t  generation_last;
    z_stream  inflater;        /* raw inflate, reset per record (inflater_ready) */
    bool      inflater_ready;
};

/* record_crc: the crc of a stored record of size bytes at lsn whose header is header_size
 * bytes: zlib's crc32 over the body, then the header after its crc field and the LSN
 * (wal_header_crc, the writer's own). */
static uint32_t record_crc(const uint8_t *stored, size_t size, size_t header_size, uint64_t lsn)
{
    uint32_t body_crc = hash_crc32_fast(0, stored + header_size, size - header_size);
    return wal_header_crc(body_crc, stored, header_size, lsn);
}

Error *wal_reader_open(Wal *wal, WalReader **reader_out)
{
    WalReader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    reader->wal = wal;
    *reader_out = reader;
    return NULL;
}

void wal_reader_close(WalReader *reader)
{
    if (reader == NULL) return;
    if (reader->inflater_ready) inflateEnd(&reader->inflater);
    free(reader->record);
    free(reader->raw);
    free(reader->chunk);
    free(reader);
}

static bool reserve(uint8_t **buffer, size_t *capacity, size_t size)
{
    if (size <= *capacity) return true;
    size_t   want = size < 4096 ? 4096 : size;
    uint8_t *grown = realloc(*buffer, want);
    if (grown == NULL) return false;
    *buffer = grown;
    *capacity = want;
    return true;
}

/* read_direct: bytes [lsn, lsn + size) of the data area from the file; *present_out false if
 * the file does not hold them (never written: the end of the log). */
static Error *read_direct(Wal *wal, uint64_t lsn, uint8_t *out, size_t size, bool *present_out)
{
    *present_out = false;
    uint64_t size_on_disk = 0;
    TRY(file_size(wal->file, &size_on_disk));
    while (size > 0) {
        uint64_t area_offset = lsn % wal->capacity;
        size_t   piece = size;
        if (piece > wal->capacity - area_offset) piece = (size_t)(wal->capacity - area_offset);
        uint64_t offset = WAL_HEADER_SIZE + area_offset;
        if (offset + piece > size_on_disk) return NULL;
        TRY(file_read(wal->file, offset, out, piece));
        out += piece;
        lsn += piece;
        size -= piece;
    }
    *present_out = true;
    return NULL;
}

/* chunk_fill: read ahead from lsn up to READ_CHUNK_SIZE bytes (not past the area's end or the
 * file's end). */
static Error *chunk_fill(WalReader *reader, uint64_t lsn)
{
    Wal *wal = reader->wal;
    reader->chunk_size = 0;
    reader->chunk_lsn = lsn;
    if (reader->chunk == NULL) {
        reader->chunk = malloc(READ_CHUNK_SIZE);
        if (reader->chunk == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    uint64_t size_on_disk = 0;
    TRY(file_size(wal->file, &size_on_disk));
    uint64_t area_offset = lsn % wal->capacity;
    uint64_t offset = WAL_HEADER_SIZE + area_offset;
    if (offset >= size_on_disk) return NULL;
    uint64_t size = READ_CHUNK_SIZE;
    if (size > wal->capacity - area_offset) size = wal->capacity - area_offset;
    if (size > size_on_disk - offset) size = size_on_disk - offset;
    TRY(file_read(wal->file, offset, reader->chunk, (size_t)size));
    reader->chunk_size = (size_t)size;
    return NULL;
}

static Error *read_log(WalReader *reader, uint64_t lsn, uint8_t *out, size_t size,
                       bool *present_out)
{
    Wal *wal = reader->wal;
    if (wal->appending) return read_direct(wal, lsn, out, size, present_out);
    *present_out = false;
    while (size > 0) {
        if (lsn < reader->chunk_lsn || lsn >= reader->chunk_lsn + reader->chunk_size) {
            TRY(chunk_fill(reader, lsn));
            if (reader->chunk_size == 0) return NULL;
        }
        size_t piece = (size_t)(reader->chunk_lsn + reader->chunk_size - lsn);
        if (piece > size) piece = size;
        memcpy(out, reader->chunk + (lsn - reader->chunk_lsn), piece);
        out += piece;
        lsn += piece;
        size -= piece;
    }
    *present_out = true;
    return NULL;
}

/* in_chunk: while not appending, the stored bytes of the record [lsn, lsn + size) inside the
 * read-ahead chunk, refilling it from lsn if the record runs past its end; NULL if the record
 * does not fit one chunk or the area wraps inside it (then read_log copies it piecewise). */
static Error *in_chunk(WalReader *reader, uint64_t lsn, size_t size, const uint8_t **stored_out)
{
    *stored_out = NULL;
    if (reader->wal->appending || size > READ_CHUNK_SIZE) return NULL;
    if (lsn < reader->chunk_lsn || lsn + size > reader->chunk_lsn + reader->chunk_size) {
        TRY(chunk_fill(reader, lsn));
        if (lsn + size > reader->chunk_lsn + reader->chunk_size) return NULL;
    }
    *stored_out = reader->chunk + (lsn - reader->chunk_lsn);
    return NULL;
}

/* written_through: while appending, records may still sit in the ring: write them out. */
static Error *written_through(Wal *wal, uint64_t end)
{
    if (!wal->appending || end <= atomic_load(&wal->written_lsn)) return NULL;
    return wal_write_all(wal);
}

static Error *bad_body(uint64_t lsn, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "write-ahead log record at LSN %llu is malformed: %s",
                   (unsigned long long)lsn, what);
}

/* inflate_body: the zlib stream (RFC 1950) of size bytes into out[raw_size]; false if it does
 * not inflate to exactly raw_size bytes. The stream's 2-byte header is checked and its deflate
 * data inflated raw, through one z_stream per reader (no allocation per record); its adler32
 * trailer is not recomputed: the record's crc32, checked before, covers every stored byte. */
static bool inflate_body(WalReader *reader, const uint8_t *stream, size_t size, uint8_t *out,
                         size_t raw_size)
{
    enum { ZLIB_HEADER_SIZE = 2, ZLIB_TRAILER_SIZE = 4 };
    if (size < ZLIB_HEADER_SIZE + ZLIB_TRAILER_SIZE) return false;
    unsigned header = ((unsigned)stream[0] << 8) | stream[1];
    /* deflate, window <= 32 KiB, no preset dictionary, header check */
    if ((stream[0] & 0x0F) != 8 || (stream[0] >> 4) > 7 || (stream[1] & 0x20) != 0 ||
        header % 31 != 0) {
        return false;
    }
    z_stream *zs = &reader->inflater;
    if (!reader->inflater_ready) {
        memset(zs, 0, sizeof *zs);
        if (inflateInit2(zs, -15) != Z_OK) return false;
        reader->inflater_ready = true;
    } else if (inflateReset(zs) != Z_OK) {
        return false;
    }
    zs->next_in = (Bytef *)(stream + ZLIB_HEADER_SIZE);
    zs->avail_in = (uInt)(size - ZLIB_HEADER_SIZE);
    zs->next_out = out;
    zs->avail_out = (uInt)raw_size;
    int rc = inflate(zs, Z_FINISH);
    /* the deflate data ends exactly before the 4-byte trailer */
    return rc == Z_STREAM_END && zs->total_out == raw_size && zs->avail_in == ZLIB_TRAILER_SIZE;
}

static Error *decode_body(WalReader *reader, WalRecord *record, const uint8_t *body,
                          size_t body_size)
{
    if (record->flags & WAL_FLAG_COMPRESSED) {
        if (body_size < 4) return bad_body(record->lsn, "compressed body too short");
        size_t raw_size = dec_u32le(body);
        if (raw_size > WAL_RECORD_SIZE_MAX * 8ul) return bad_body(record->lsn, "raw size");
        if (!reserve(&reader->raw, &reader->raw_capacity, raw_size + 1)) {
            return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        }
        if (!inflate_body(reader, body + 4, body_size - 4, reader->raw, raw_size)) {
            return bad_body(record->lsn, "compressed body does not inflate");
        }
        body = reader->raw;
        body_size = raw_size;
    }
    record->payload = body;
    record->payload_size = body_size;
    if (record->type != WAL_RECORD_MTR && record->type != WAL_RECORD_CLR) return NULL;
    size_t offset = 0;
    if (record->type == WAL_RECORD_CLR) {
        if (body_size < 8) return bad_body(record->lsn, "CLR without undo_next_lsn");
        record->undo_next_lsn = dec_u64le(body);
        offset = 8;
    }
    if (body_size - offset < 8) return bad_body(record->lsn, "mtr body too short");
    size_t redo_size = dec_u32le(body + offset);
    size_t undo_size = dec_u32le(body + offset + 4);
    offset += 8;
    if (redo_size > body_size - offset || undo_size != body_size - offset - redo_size) {
        return bad_body(record->lsn, "redo/undo sizes do not match the body");
    }
    record->redo = body + offset;
    record->redo_size = redo_size;
    record->undo = undo_size > 0 ? body + offset + redo_size : NULL;
    record->undo_size = undo_size;
    return NULL;
}

Error *wal_read(WalReader *reader, uint64_t lsn, bool check_generation, WalRecord *record_out,
                bool *valid_out)
{
    Wal *wal = reader->wal;
    *valid_out = false;
    memset(record_out, 0, sizeof *record_out);
    if (lsn == 0) return NULL;
    /* compact header hook: the 8-byte prefix gives the size, then the whole record */
    TRY(written_through(wal, lsn + WAL_RECORD_PREFIX_SIZE));
    uint8_t prefix[WAL_RECORD_PREFIX_SIZE];
    bool    present = false;
    TRY(read_log(reader, lsn, prefix, sizeof prefix, &present));
    if (!present) return NULL;
    uint32_t size = prefix[4] | ((uint32_t)prefix[5] << 8) | ((uint32_t)prefix[6] << 16);
    if (size < WAL_RECORD_HEADER_SIZE_MIN || size > wal->record_size_max) return NULL;
    if (!reserve(&reader->record, &reader->record_capacity, size)) {
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    TRY(written_through(wal, lsn + size));
    const uint8_t *stored = NULL;
    TRY(in_chunk(reader, lsn, size, &stored));
    if (stored == NULL) {
        memcpy(reader->record, prefix, sizeof prefix);
        TRY(read_log(reader, lsn + sizeof prefix, reader->record + sizeof prefix,
                     size - sizeof prefix, &present));
        if (!present) return NULL;
        stored = reader->record;
    }
    WalHeader header;
    if (!wal_header_parse(stored, size, lsn, &header)) return NULL;
    if (header.generation > (uint32_t)wal->generation) return NULL;
    if (check_generation && header.generation < reader->generation_last) return NULL;
    if (record_crc(stored, size, header.header_size, lsn) != header.crc) return NULL;
    uint32_t generation = header.generation;
    *record_out = (WalRecord){
        .lsn = lsn,
        .size = size,
        .xid = header.xid,
        .prev_lsn = header.prev_lsn,
        .type = header.type,
        .flags = header.flags,
        .generation = generation,
    };
    TRY(decode_body(reader, record_out, stored + header.header_size, size - header.header_size));
    if (check_generation) reader->generation_last = generation;
    *valid_out = true;
    return NULL;
}
