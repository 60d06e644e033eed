/* txn/wal_read.c: reading records back: sequential scans for recovery and random reads by LSN
 * for rollbacks. Everything read from the file is validated (LSN, size, generation, crc)
 * before use; a record that fails is "no record here" (the end of the log), and a record whose
 * crc matches but whose body does not decode is DATA_CORRUPTED. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/asserts.h"
#include "common/bytes.h"
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
};

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

static Error *decode_body(WalReader *reader, WalRecord *record, const uint8_t *body,
                          size_t body_size)
{
    if (record->flags & WAL_FLAG_COMPRESSED) {
        if (body_size < 4) return bad_body(record->lsn, "compressed body too short");
        uLongf raw_size = dec_u32le(body);
        if (raw_size > WAL_RECORD_SIZE_MAX * 8ul) return bad_body(record->lsn, "raw size");
        if (!reserve(&reader->raw, &reader->raw_capacity, raw_size + 1)) {
            return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        }
        uLongf got = raw_size;
        if (uncompress(reader->raw, &got, body + 4, body_size - 4) != Z_OK || got != raw_size) {
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
    TRY(written_through(wal, lsn + WAL_RECORD_HEADER_SIZE));
    uint8_t header[WAL_RECORD_HEADER_SIZE];
    bool    present = false;
    TRY(read_log(reader, lsn, header, sizeof header, &present));
    if (!present) return NULL;
    uint32_t size = dec_u32le(header + 8);
    uint32_t generation = dec_u32le(header + 36);
    if (dec_u64le(header) != lsn) return NULL;
    if (size < WAL_RECORD_HEADER_SIZE || size > wal->record_size_max) return NULL;
    if (generation > (uint32_t)wal->generation) return NULL;
    if (check_generation && generation < reader->generation_last) return NULL;
    uint8_t type = header[32];
    if (type < WAL_RECORD_MTR || type > WAL_RECORD_CHECKPOINT) return NULL;
    if (!reserve(&reader->record, &reader->record_capacity, size)) {
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    TRY(written_through(wal, lsn + size));
    const uint8_t *stored = NULL;
    TRY(in_chunk(reader, lsn, size, &stored));
    if (stored == NULL) {
        memcpy(reader->record, header, sizeof header);
        TRY(read_log(reader, lsn + sizeof header, reader->record + sizeof header,
                     size - sizeof header, &present));
        if (!present) return NULL;
        stored = reader->record;
    }
    uLong crc = crc32(0, stored, 12);
    crc = crc32(crc, stored + 16, size - 16);
    if ((uint32_t)crc != dec_u32le(header + 12)) return NULL;
    *record_out = (WalRecord){
        .lsn = lsn,
        .size = size,
        .xid = dec_u64le(header + 16),
        .prev_lsn = dec_u64le(header + 24),
        .type = type,
        .flags = header[33],
        .generation = generation,
    };
    TRY(decode_body(reader, record_out, stored + sizeof header, size - sizeof header));
    if (check_generation) reader->generation_last = generation;
    *valid_out = true;
    return NULL;
}
