/* storage/key.h: order-preserving byte encoding of index keys.
 *
 * B+ trees compare keys with key_compare() only (memcmp, a shorter prefix first), so this
 * encoding makes byte order equal PostgreSQL's sort order for every type, column by column,
 * ascending or descending, NULLS FIRST or LAST. A key is built column by column with
 * key_append_*() into a KeyBuf and read back with key_read_*() from a KeyReader; the reader
 * must be told the same type and KeyDir, column by column, as the writer used (keys carry no
 * type tags).
 *
 * One column's encoding (DESC inverts every value byte, never the tag byte):
 *
 * | bytes         | field                                                                 |
 * |---------------|-----------------------------------------------------------------------|
 * | 1             | tag: 0x01 NULL (NULLS FIRST), 0x02 not NULL, 0x03 NULL (NULLS LAST)    |
 * | 0..n          | value (absent for NULL), self-delimiting, see below                   |
 *
 * | type          | value bytes (ascending)                                               |
 * |---------------|-----------------------------------------------------------------------|
 * | bool          | 1: 0x00 false, 0x01 true                                              |
 * | int16/32/64   | 2/4/8: big-endian with the sign bit flipped                           |
 * | uint64        | 8: big-endian                                                         |
 * | date          | 4: as int32 (days; PostgreSQL's +-infinity are INT32_MAX/INT32_MIN)   |
 * | timestamp     | 8: as int64 (microseconds)                                            |
 * | float32/64    | 4/8: IEEE bits, -0 made +0, NaN made one canonical NaN; positives get |
 * |               | the sign bit set, negatives all bits inverted. Canonical NaN = all    |
 * |               | 0xFF, so -Inf < negatives < 0 < positives < +Inf < NaN                |
 * | interval      | 16: total days T (int64 as above) then remainder R, 0 <= R < one day  |
 * |               | in microseconds (uint64 big-endian), where months count 30 days and   |
 * |               | days 24 hours: span = T * 86400e6 + R (PostgreSQL's interval_cmp)     |
 * | numeric       | 1 class byte: 0x01 -Inf, 0x02 negative, 0x03 zero, 0x04 positive,     |
 * |               | 0x05 +Inf, 0x06 NaN. Finite non-zero values then have the weight       |
 * |               | (int32 as above) and each base-10000 digit d as big-endian (d + 1),   |
 * |               | then 0x00 0x00. Leading and trailing zero digits are stripped, so     |
 * |               | 1.5 and 1.50 encode identically. Negatives invert weight, digits and  |
 * |               | terminator, so a larger magnitude sorts first                         |
 * | text/bytes    | the bytes, each 0x00 written 0x00 0xFF, then 0x00 0x00: "a" < "a\0"   |
 * |               | < "ab" (C collation)                                                   |
 *
 * Every value encoding is self-delimiting and none is a proper prefix of another of the same
 * type, so inverting the bytes reverses the order exactly (also for "a" vs "ab").
 *
 * What a decoded key gives back: integers, booleans, dates, timestamps, text and bytes exactly;
 * floats exactly except that -0 decodes as 0 and every NaN as the canonical quiet NaN; numeric
 * values as canonical digits (no display scale: 1.50 decodes as 1.5); intervals as an equal
 * interval in canonical form (1 mon 0 days for both '1 mon' and '30 days'). So an index-only
 * scan must not return numeric or interval columns from the key.
 */
#ifndef BIRCH_STORAGE_KEY_H
#define BIRCH_STORAGE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

enum {
    KEY_SIZE_MAX = 1024,   /* bytes: the largest key the B+ tree accepts (BT_KEY_SIZE_MAX) */
    KEY_NUMERIC_DIGIT_COUNT_MAX = KEY_SIZE_MAX / 2,   /* base-10000 digits a key can hold */
};

/* KeyDir: sort direction and NULL placement of one key column. Bit 0 is DESC, bit 1 is
 * NULLS FIRST. KEY_ASC and KEY_DESC carry PostgreSQL's default NULL placement. */
typedef enum KeyDir {
    KEY_ASC = 0,               /* ASC NULLS LAST (PostgreSQL's default for ASC) */
    KEY_DESC_NULLS_LAST = 1,
    KEY_ASC_NULLS_FIRST = 2,
    KEY_DESC = 3,              /* DESC NULLS FIRST (PostgreSQL's default for DESC) */
} KeyDir;

/* key_dir_make: the KeyDir for an ORDER BY / index column specification. */
static inline KeyDir key_dir_make(bool descending, bool nulls_first)
{
    return (KeyDir)((descending ? 1 : 0) | (nulls_first ? 2 : 0));
}

/* KeyNumeric: an arbitrary-precision decimal, like PostgreSQL's NumericVar without the display
 * scale: value = sign * sum(digits[idx] * 10000^(weight - idx)). Zero has sign 0 and no digits;
 * is_nan and is_infinite ignore weight and digits (is_infinite uses sign for +-Infinity). */
typedef struct KeyNumeric {
    bool            is_nan;
    bool            is_infinite;
    int8_t          sign;          /* -1, 0, +1 */
    int32_t         weight;        /* base-10000 exponent of digits[0] */
    uint16_t        digit_count;
    const uint16_t *digits;        /* each 0..9999, most significant first */
} KeyNumeric;

/* KeyInterval: PostgreSQL's interval fields. */
typedef struct KeyInterval {
    int32_t months;
    int32_t days;
    int64_t microseconds;
} KeyInterval;

/* KeyBuf: a key under construction in caller-provided memory. Fields are read-only to callers:
 * bytes[0, size) is the key so far. */
typedef struct KeyBuf {
    uint8_t *bytes;
    size_t   size;
    size_t   size_max;   /* min(memory size, KEY_SIZE_MAX) */
} KeyBuf;

/* KeyReader: a cursor over an encoded key; reads never go past bytes[size). */
typedef struct KeyReader {
    const uint8_t *bytes;
    size_t         size;
    size_t         offset;   /* bytes consumed so far */
} KeyReader;

/* key_buf_init: an empty key in memory[0, memory_size).
 * Pre:  memory != NULL (or memory_size == 0). memory_size >= KEY_SIZE_MAX holds any key. */
void key_buf_init(KeyBuf *buf, uint8_t *memory, size_t memory_size);
/* key_buf_truncate: keep only the first size bytes (e.g. back to a shared column prefix).
 * Pre:  size <= buf->size. */
void key_buf_truncate(KeyBuf *buf, size_t size);

/* key_append_*: append one column. On error the buffer is unchanged.
 * Errors: PROGRAM_LIMIT_EXCEEDED (54000) if the key would exceed buf->size_max bytes.
 * key_append_numeric: Pre: every digit <= 9999; sign is -1/0/+1 and 0 iff every digit is zero
 * (leading and trailing zero digits are allowed and stripped). */
Error *key_append_null(KeyBuf *buf, KeyDir dir);
Error *key_append_bool(KeyBuf *buf, KeyDir dir, bool value);
Error *key_append_int16(KeyBuf *buf, KeyDir dir, int16_t value);
Error *key_append_int32(KeyBuf *buf, KeyDir dir, int32_t value);
Error *key_append_int64(KeyBuf *buf, KeyDir dir, int64_t value);
Error *key_append_uint64(KeyBuf *buf, KeyDir dir, uint64_t value);
Error *key_append_float32(KeyBuf *buf, KeyDir dir, float value);
Error *key_append_float64(KeyBuf *buf, KeyDir dir, double value);
Error *key_append_numeric(KeyBuf *buf, KeyDir dir, const KeyNumeric *value);
Error *key_append_text(KeyBuf *buf, KeyDir dir, const char *text, size_t size);
Error *key_append_bytes(KeyBuf *buf, KeyDir dir, const uint8_t *bytes, size_t size);
Error *key_append_date(KeyBuf *buf, KeyDir dir, int32_t days);
Error *key_append_timestamp(KeyBuf *buf, KeyDir dir, int64_t microseconds);
Error *key_append_interval(KeyBuf *buf, KeyDir dir, const KeyInterval *value);

/* key_append_prefix_end: append one byte that sorts after every key extending the current
 * bytes as a column prefix, and before every greater key that does not. For [lo, hi) scans:
 * lo = encode(x), hi = key_append_prefix_end(encode(x)) covers every key whose leading
 * columns equal x. The result is a bound only: it does not decode.
 * Errors: PROGRAM_LIMIT_EXCEEDED if the buffer is full. */
Error *key_append_prefix_end(KeyBuf *buf);

/* key_compare: the one key order: memcmp over the common length, then the shorter first.
 * Returns <0, 0 or >0. */
int key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size);

/* key_reader_init: read the key bytes[0, size). bytes must outlive the reader. */
void key_reader_init(KeyReader *reader, const uint8_t *bytes, size_t size);
/* key_reader_at_end: every byte has been read. */
bool key_reader_at_end(const KeyReader *reader);

/* key_read_*: read the next column, written by key_append_* of the same type with the same dir.
 * *is_null_out tells NULL (then the value out-parameter is zeroed). Decoded values are
 * described at the top of this file.
 * Post:   on success reader->offset is past the column; on error it is unchanged.
 * Errors: INDEX_CORRUPTED (XX002) for truncated or malformed bytes (wrong tag for dir, bad
 *         escape, non-canonical float NaN/-0, non-canonical numeric digits, out-of-range
 *         interval); OUT_OF_MEMORY if arena_alloc fails. Never reads past reader->size.
 * key_read_numeric: value_out->digits points into arena (no digits for zero/NaN/Inf).
 * key_read_text / key_read_bytes: *bytes_out points into arena, size_out bytes, followed by
 *         a 0 byte (not counted) so text can be used as a C string when it holds no 0x00. */
Error *key_read_bool(KeyReader *reader, KeyDir dir, bool *is_null_out, bool *value_out);
Error *key_read_int16(KeyReader *reader, KeyDir dir, bool *is_null_out, int16_t *value_out);
Error *key_read_int32(KeyReader *reader, KeyDir dir, bool *is_null_out, int32_t *value_out);
Error *key_read_int64(KeyReader *reader, KeyDir dir, bool *is_null_out, int64_t *value_out);
Error *key_read_uint64(KeyReader *reader, KeyDir dir, bool *is_null_out, uint64_t *value_out);
Error *key_read_float32(KeyReader *reader, KeyDir dir, bool *is_null_out, float *value_out);
Error *key_read_float64(KeyReader *reader, KeyDir dir, bool *is_null_out, double *value_out);
Error *key_read_numeric(KeyReader *reader, KeyDir dir, Arena *arena, bool *is_null_out,
                        KeyNumeric *value_out);
Error *key_read_text(KeyReader *reader, KeyDir dir, Arena *arena, bool *is_null_out,
                     const char **text_out, size_t *size_out);
Error *key_read_bytes(KeyReader *reader, KeyDir dir, Arena *arena, bool *is_null_out,
                      const uint8_t **bytes_out, size_t *size_out);
Error *key_read_date(KeyReader *reader, KeyDir dir, bool *is_null_out, int32_t *days_out);
Error *key_read_timestamp(KeyReader *reader, KeyDir dir, bool *is_null_out,
                          int64_t *microseconds_out);
Error *key_read_interval(KeyReader *reader, KeyDir dir, bool *is_null_out,
                         KeyInterval *value_out);

#endif
