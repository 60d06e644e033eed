/* storage/key.c: order-preserving byte encoding of index keys (format table in key.h).
 *
 * Writers build the ascending bytes of a value in a small scratch array (or, for text, count
 * the escapes first), check the size limit once, then copy with every value byte XORed by the
 * direction mask (0x00 ascending, 0xFF descending), so a failed append leaves the buffer as it
 * was. Readers work on a local offset and store it back only when the whole column decoded:
 * bytes from a page are validated into INDEX_CORRUPTED, never asserted on.
 */
#include "storage/key.h"

#include <math.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"

enum {
    TAG_NULL_FIRST = 0x01,
    TAG_VALUE = 0x02,
    TAG_NULL_LAST = 0x03,
    PREFIX_END_BYTE = 0xFF,   /* above every tag */

    NUMERIC_NEG_INF = 0x01,
    NUMERIC_NEGATIVE = 0x02,
    NUMERIC_ZERO = 0x03,
    NUMERIC_POSITIVE = 0x04,
    NUMERIC_POS_INF = 0x05,
    NUMERIC_NAN = 0x06,
    NUMERIC_DIGIT_BASE = 10000,

    INTERVAL_DAYS_PER_MONTH = 30,
    SCRATCH_SIZE = 16,   /* the largest fixed-size value: interval */
};

static const int64_t USECS_PER_DAY = INT64_C(86400000000);

static inline bool dir_is_desc(KeyDir dir)
{
    return ((unsigned)dir & 1u) != 0;
}

static inline bool dir_nulls_first(KeyDir dir)
{
    return ((unsigned)dir & 2u) != 0;
}

static inline uint8_t dir_mask(KeyDir dir)
{
    return dir_is_desc(dir) ? 0xFF : 0x00;
}

/* ---------------------------------------------------------------- writing */

void key_buf_init(KeyBuf *buf, uint8_t *memory, size_t memory_size)
{
    ASSERT(memory != NULL || memory_size == 0);
    buf->bytes = memory;
    buf->size = 0;
    buf->size_max = memory_size < KEY_SIZE_MAX ? memory_size : KEY_SIZE_MAX;
}

void key_buf_truncate(KeyBuf *buf, size_t size)
{
    ASSERT(size <= buf->size);
    buf->size = size;
}

static Error *check_room(const KeyBuf *buf, size_t extra_size)
{
    if (extra_size <= buf->size_max - buf->size) return NULL;
    Error *err = err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "index key size %zu exceeds maximum %zu",
                         buf->size + extra_size, (size_t)buf->size_max);
    return err_set_hint(err, "Values larger than about %d bytes cannot be indexed.",
                        KEY_SIZE_MAX);
}

/* append_value: tag byte, then value_size bytes of the ascending encoding, inverted for DESC. */
static Error *append_value(KeyBuf *buf, KeyDir dir, const uint8_t *value, size_t value_size)
{
    TRY(check_room(buf, 1 + value_size));
    uint8_t mask = dir_mask(dir);
    uint8_t *dst = buf->bytes + buf->size;
    dst[0] = TAG_VALUE;
    for (size_t byte_idx = 0; byte_idx < value_size; byte_idx++) {
        dst[1 + byte_idx] = value[byte_idx] ^ mask;
    }
    buf->size += 1 + value_size;
    return NULL;
}

Error *key_append_null(KeyBuf *buf, KeyDir dir)
{
    TRY(check_room(buf, 1));
    buf->bytes[buf->size++] = dir_nulls_first(dir) ? TAG_NULL_FIRST : TAG_NULL_LAST;
    return NULL;
}

Error *key_append_prefix_end(KeyBuf *buf)
{
    TRY(check_room(buf, 1));
    buf->bytes[buf->size++] = PREFIX_END_BYTE;
    return NULL;
}

Error *key_append_bool(KeyBuf *buf, KeyDir dir, bool value)
{
    uint8_t scratch[1] = {value ? 1 : 0};
    return append_value(buf, dir, scratch, 1);
}

Error *key_append_int16(KeyBuf *buf, KeyDir dir, int16_t value)
{
    uint8_t scratch[2];
    enc_u16be(scratch, (uint16_t)((uint16_t)value ^ 0x8000u));
    return append_value(buf, dir, scratch, sizeof scratch);
}

Error *key_append_int32(KeyBuf *buf, KeyDir dir, int32_t value)
{
    uint8_t scratch[4];
    enc_u32be(scratch, (uint32_t)value ^ UINT32_C(0x80000000));
    return append_value(buf, dir, scratch, sizeof scratch);
}

Error *key_append_int64(KeyBuf *buf, KeyDir dir, int64_t value)
{
    uint8_t scratch[8];
    enc_u64be(scratch, (uint64_t)value ^ UINT64_C(0x8000000000000000));
    return append_value(buf, dir, scratch, sizeof scratch);
}

Error *key_append_uint64(KeyBuf *buf, KeyDir dir, uint64_t value)
{
    uint8_t scratch[8];
    enc_u64be(scratch, value);
    return append_value(buf, dir, scratch, sizeof scratch);
}

Error *key_append_date(KeyBuf *buf, KeyDir dir, int32_t days)
{
    return key_append_int32(buf, dir, days);
}

Error *key_append_timestamp(KeyBuf *buf, KeyDir dir, int64_t microseconds)
{
    return key_append_int64(buf, dir, microseconds);
}

Error *key_append_float32(KeyBuf *buf, KeyDir dir, float value)
{
    uint32_t ordered = UINT32_MAX;   /* the canonical NaN sorts after +Infinity */
    if (!isnan(value)) {
        uint32_t bits = 0;   /* -0 and 0 both encode as +0 */
        if (value != 0.0f) memcpy(&bits, &value, sizeof bits);
        ordered = (bits >> 31) != 0 ? ~bits : bits | UINT32_C(0x80000000);
    }
    uint8_t scratch[4];
    enc_u32be(scratch, ordered);
    return append_value(buf, dir, scratch, sizeof scratch);
}

Error *key_append_float64(KeyBuf *buf, KeyDir dir, double value)
{
    uint64_t ordered = UINT64_MAX;
    if (!isnan(value)) {
        uint64_t bits = 0;
        if (value != 0.0) memcpy(&bits, &value, sizeof bits);
        ordered = (bits >> 63) != 0 ? ~bits : bits | UINT64_C(0x8000000000000000);
    }
    uint8_t scratch[8];
    enc_u64be(scratch, ordered);
    return append_value(buf, dir, scratch, sizeof scratch);
}

Error *key_append_interval(KeyBuf *buf, KeyDir dir, const KeyInterval *value)
{
    /* span = (months * 30 + days) * day + microseconds, split as total_days * day + remainder
     * with 0 <= remainder < day: no 128-bit arithmetic, and (total_days, remainder) compares
     * lexicographically as the span does. */
    int64_t usec_days = value->microseconds / USECS_PER_DAY;
    int64_t remainder = value->microseconds % USECS_PER_DAY;
    if (remainder < 0) {
        remainder += USECS_PER_DAY;
        usec_days -= 1;
    }
    int64_t total_days =
        (int64_t)value->months * INTERVAL_DAYS_PER_MONTH + (int64_t)value->days + usec_days;
    uint8_t scratch[SCRATCH_SIZE];
    enc_u64be(scratch, (uint64_t)total_days ^ UINT64_C(0x8000000000000000));
    enc_u64be(scratch + 8, (uint64_t)remainder);
    return append_value(buf, dir, scratch, 16);
}

/* numeric_payload_size: bytes after the class byte for a finite non-zero value. */
static size_t numeric_payload_size(size_t digit_count)
{
    return 4 + 2 * digit_count + 2;
}

Error *key_append_numeric(KeyBuf *buf, KeyDir dir, const KeyNumeric *value)
{
    uint8_t class_byte;
    size_t first = 0, end = value->digit_count;
    if (value->is_nan) {
        class_byte = NUMERIC_NAN;
    } else if (value->is_infinite) {
        ASSERT(value->sign != 0);
        class_byte = value->sign < 0 ? NUMERIC_NEG_INF : NUMERIC_POS_INF;
    } else {
        ASSERT(value->digit_count == 0 || value->digits != NULL);
        while (first < end && value->digits[first] == 0) first++;
        while (end > first && value->digits[end - 1] == 0) end--;
        if (first == end) {
            class_byte = NUMERIC_ZERO;
        } else {
            ASSERT(value->sign == 1 || value->sign == -1);
            class_byte = value->sign < 0 ? NUMERIC_NEGATIVE : NUMERIC_POSITIVE;
        }
    }
    bool has_payload = class_byte == NUMERIC_NEGATIVE || class_byte == NUMERIC_POSITIVE;
    size_t value_size = 1 + (has_payload ? numeric_payload_size(end - first) : 0);
    TRY(check_room(buf, 1 + value_size));

    uint8_t mask = dir_mask(dir);
    uint8_t *dst = buf->bytes + buf->size;
    dst[0] = TAG_VALUE;
    dst[1] = class_byte ^ mask;
    if (has_payload) {
        /* a negative value inverts its magnitude's bytes: larger magnitudes sort first */
        uint8_t payload_mask = mask ^ (class_byte == NUMERIC_NEGATIVE ? 0xFF : 0x00);
        int64_t weight = (int64_t)value->weight - (int64_t)first;
        ASSERT(weight >= INT32_MIN);
        uint8_t *out = dst + 2;
        enc_u32be(out, (uint32_t)(int32_t)weight ^ UINT32_C(0x80000000));
        out += 4;
        for (size_t digit_idx = first; digit_idx < end; digit_idx++) {
            ASSERT(value->digits[digit_idx] < NUMERIC_DIGIT_BASE);
            enc_u16be(out, (uint16_t)(value->digits[digit_idx] + 1));
            out += 2;
        }
        out[0] = 0;
        out[1] = 0;
        out += 2;
        for (uint8_t *byte = dst + 2; byte < out; byte++) *byte ^= payload_mask;
        ASSERT((size_t)(out - dst) == 1 + value_size);
    }
    buf->size += 1 + value_size;
    return NULL;
}

Error *key_append_bytes(KeyBuf *buf, KeyDir dir, const uint8_t *bytes, size_t size)
{
    ASSERT(bytes != NULL || size == 0);
    /* tag + bytes + one escape byte per zero + terminator; a huge value fails before its
     * zeros are counted */
    if (size > buf->size_max) return check_room(buf, 1 + size + 2);
    size_t zero_count = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) zero_count += bytes[byte_idx] == 0;
    TRY(check_room(buf, 1 + size + zero_count + 2));
    uint8_t mask = dir_mask(dir);
    uint8_t *dst = buf->bytes + buf->size;
    size_t out_idx = 0;
    dst[out_idx++] = TAG_VALUE;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        dst[out_idx++] = bytes[byte_idx] ^ mask;
        if (bytes[byte_idx] == 0) dst[out_idx++] = 0xFF ^ mask;
    }
    dst[out_idx++] = mask;   /* terminator 0x00 0x00 */
    dst[out_idx++] = mask;
    ASSERT(out_idx == 1 + size + zero_count + 2);
    buf->size += out_idx;
    return NULL;
}

Error *key_append_text(KeyBuf *buf, KeyDir dir, const char *text, size_t size)
{
    return key_append_bytes(buf, dir, (const uint8_t *)text, size);
}

int key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    size_t common_size = a_size < b_size ? a_size : b_size;
    int order = common_size == 0 ? 0 : memcmp(a, b, common_size);
    if (order != 0) return order;
    return a_size < b_size ? -1 : (a_size > b_size ? 1 : 0);
}

/* ---------------------------------------------------------------- reading */

void key_reader_init(KeyReader *reader, const uint8_t *bytes, size_t size)
{
    ASSERT(bytes != NULL || size == 0);
    reader->bytes = bytes;
    reader->size = size;
    reader->offset = 0;
}

bool key_reader_at_end(const KeyReader *reader)
{
    return reader->offset >= reader->size;
}

static Error *corrupt(const KeyReader *reader, size_t offset, const char *what)
{
    return err_new(SQLSTATE_INDEX_CORRUPTED, "corrupt index key: %s at byte %zu of %zu", what,
                   offset, reader->size);
}

/* read_tag: the tag byte at *offset. On success *offset is past it. */
static Error *read_tag(const KeyReader *reader, KeyDir dir, size_t *offset, bool *is_null_out)
{
    if (*offset >= reader->size) return corrupt(reader, *offset, "missing column");
    uint8_t tag = reader->bytes[*offset];
    uint8_t null_tag = dir_nulls_first(dir) ? TAG_NULL_FIRST : TAG_NULL_LAST;
    if (tag != TAG_VALUE && tag != null_tag) return corrupt(reader, *offset, "bad column tag");
    *offset += 1;
    *is_null_out = tag == null_tag;
    return NULL;
}

/* read_fixed: a non-NULL column of exactly size value bytes, un-inverted into out. */
static Error *read_fixed(KeyReader *reader, KeyDir dir, bool *is_null_out, uint8_t *out,
                         size_t size)
{
    size_t offset = reader->offset;
    TRY(read_tag(reader, dir, &offset, is_null_out));
    if (*is_null_out) {
        memset(out, 0, size);
        reader->offset = offset;
        return NULL;
    }
    if (reader->size - offset < size) return corrupt(reader, offset, "truncated value");
    uint8_t mask = dir_mask(dir);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        out[byte_idx] = reader->bytes[offset + byte_idx] ^ mask;
    }
    reader->offset = offset + size;
    return NULL;
}

Error *key_read_bool(KeyReader *reader, KeyDir dir, bool *is_null_out, bool *value_out)
{
    uint8_t scratch[1] = {0};
    size_t offset_before = reader->offset;
    TRY(read_fixed(reader, dir, is_null_out, scratch, 1));
    if (scratch[0] > 1) {
        reader->offset = offset_before;
        return corrupt(reader, offset_before + 1, "bad boolean");
    }
    *value_out = scratch[0] == 1;
    return NULL;
}

Error *key_read_int16(KeyReader *reader, KeyDir dir, bool *is_null_out, int16_t *value_out)
{
    uint8_t scratch[2];
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out = *is_null_out ? 0 : (int16_t)(uint16_t)(dec_u16be(scratch) ^ 0x8000u);
    return NULL;
}

Error *key_read_int32(KeyReader *reader, KeyDir dir, bool *is_null_out, int32_t *value_out)
{
    uint8_t scratch[4];
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out = *is_null_out ? 0 : (int32_t)(dec_u32be(scratch) ^ UINT32_C(0x80000000));
    return NULL;
}

Error *key_read_int64(KeyReader *reader, KeyDir dir, bool *is_null_out, int64_t *value_out)
{
    uint8_t scratch[8];
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out =
        *is_null_out ? 0 : (int64_t)(dec_u64be(scratch) ^ UINT64_C(0x8000000000000000));
    return NULL;
}

Error *key_read_uint64(KeyReader *reader, KeyDir dir, bool *is_null_out, uint64_t *value_out)
{
    uint8_t scratch[8];
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out = *is_null_out ? 0 : dec_u64be(scratch);
    return NULL;
}

Error *key_read_date(KeyReader *reader, KeyDir dir, bool *is_null_out, int32_t *days_out)
{
    return key_read_int32(reader, dir, is_null_out, days_out);
}

Error *key_read_timestamp(KeyReader *reader, KeyDir dir, bool *is_null_out,
                          int64_t *microseconds_out)
{
    return key_read_int64(reader, dir, is_null_out, microseconds_out);
}

Error *key_read_float32(KeyReader *reader, KeyDir dir, bool *is_null_out, float *value_out)
{
    uint8_t scratch[4];
    size_t offset_before = reader->offset;
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out = 0.0f;
    if (*is_null_out) return NULL;
    uint32_t ordered = dec_u32be(scratch);
    if (ordered == UINT32_MAX) {
        *value_out = NAN;
        return NULL;
    }
    uint32_t bits = (ordered >> 31) != 0 ? ordered & ~UINT32_C(0x80000000) : ~ordered;
    bool is_nan_bits = (bits & UINT32_C(0x7F800000)) == UINT32_C(0x7F800000) &&
                       (bits & UINT32_C(0x007FFFFF)) != 0;
    if (is_nan_bits || bits == UINT32_C(0x80000000)) {
        reader->offset = offset_before;
        return corrupt(reader, offset_before + 1, "non-canonical real");
    }
    memcpy(value_out, &bits, sizeof bits);
    return NULL;
}

Error *key_read_float64(KeyReader *reader, KeyDir dir, bool *is_null_out, double *value_out)
{
    uint8_t scratch[8];
    size_t offset_before = reader->offset;
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out = 0.0;
    if (*is_null_out) return NULL;
    uint64_t ordered = dec_u64be(scratch);
    if (ordered == UINT64_MAX) {
        *value_out = NAN;
        return NULL;
    }
    const uint64_t sign_bit = UINT64_C(0x8000000000000000);
    uint64_t bits = (ordered >> 63) != 0 ? ordered & ~sign_bit : ~ordered;
    bool is_nan_bits = (bits & UINT64_C(0x7FF0000000000000)) == UINT64_C(0x7FF0000000000000) &&
                       (bits & UINT64_C(0x000FFFFFFFFFFFFF)) != 0;
    if (is_nan_bits || bits == sign_bit) {
        reader->offset = offset_before;
        return corrupt(reader, offset_before + 1, "non-canonical double precision");
    }
    memcpy(value_out, &bits, sizeof bits);
    return NULL;
}

/* interval_from_span: the canonical interval for total_days * day + remainder: as many whole
 * 30-day months as fit, then days, then microseconds, all of the span's sign. False if no
 * interval has this span. */
static bool interval_from_span(int64_t total_days, int64_t remainder, KeyInterval *value_out)
{
    if (total_days >= 0) {
        int64_t months = total_days / INTERVAL_DAYS_PER_MONTH;
        if (months > INT32_MAX) months = INT32_MAX;
        int64_t rest = total_days - months * INTERVAL_DAYS_PER_MONTH;
        int64_t days = rest > INT32_MAX ? INT32_MAX : rest;
        rest -= days;
        if (rest > (INT64_MAX - remainder) / USECS_PER_DAY) return false;
        *value_out =
            (KeyInterval){(int32_t)months, (int32_t)days, rest * USECS_PER_DAY + remainder};
        return true;
    }
    int64_t negative_usec = 0;   /* in (-day, 0] */
    if (remainder > 0) {
        total_days += 1;
        negative_usec = remainder - USECS_PER_DAY;
    }
    int64_t months = total_days / INTERVAL_DAYS_PER_MONTH;   /* truncates toward zero */
    if (months < INT32_MIN) months = INT32_MIN;
    int64_t rest = total_days - months * INTERVAL_DAYS_PER_MONTH;
    int64_t days = rest < INT32_MIN ? INT32_MIN : rest;
    rest -= days;
    if (rest < (INT64_MIN - negative_usec) / USECS_PER_DAY) return false;
    *value_out =
        (KeyInterval){(int32_t)months, (int32_t)days, rest * USECS_PER_DAY + negative_usec};
    return true;
}

Error *key_read_interval(KeyReader *reader, KeyDir dir, bool *is_null_out,
                         KeyInterval *value_out)
{
    uint8_t scratch[16];
    size_t offset_before = reader->offset;
    TRY(read_fixed(reader, dir, is_null_out, scratch, sizeof scratch));
    *value_out = (KeyInterval){0, 0, 0};
    if (*is_null_out) return NULL;
    int64_t total_days = (int64_t)(dec_u64be(scratch) ^ UINT64_C(0x8000000000000000));
    uint64_t remainder = dec_u64be(scratch + 8);
    if (remainder >= (uint64_t)USECS_PER_DAY ||
        !interval_from_span(total_days, (int64_t)remainder, value_out)) {
        reader->offset = offset_before;
        return corrupt(reader, offset_before + 1, "interval out of range");
    }
    return NULL;
}

/* scan_numeric_digits: validate the digits of a finite non-zero numeric starting at offset
 * (after the weight) and count them. mask undoes DESC and the negative-value inversion. */
static Error *scan_numeric_digits(const KeyReader *reader, size_t offset, uint8_t mask,
                                  size_t *digit_count_out)
{
    size_t digit_count = 0;
    for (;;) {
        if (reader->size - offset < 2) return corrupt(reader, offset, "truncated numeric");
        uint16_t stored = (uint16_t)(((reader->bytes[offset] ^ mask) << 8) |
                                     (reader->bytes[offset + 1] ^ mask));
        if (stored == 0) break;
        if (stored > NUMERIC_DIGIT_BASE) return corrupt(reader, offset, "bad numeric digit");
        if (stored == 1 && digit_count == 0) {
            return corrupt(reader, offset, "leading zero numeric digit");
        }
        if (digit_count == UINT16_MAX) return corrupt(reader, offset, "too many numeric digits");
        digit_count++;
        offset += 2;
    }
    if (digit_count == 0) return corrupt(reader, offset, "numeric without digits");
    uint16_t last = (uint16_t)(((reader->bytes[offset - 2] ^ mask) << 8) |
                               (reader->bytes[offset - 1] ^ mask));
    if (last == 1) return corrupt(reader, offset - 2, "trailing zero numeric digit");
    *digit_count_out = digit_count;
    return NULL;
}

Error *key_read_numeric(KeyReader *reader, KeyDir dir, Arena *arena, bool *is_null_out,
                        KeyNumeric *value_out)
{
    size_t offset = reader->offset;
    *value_out = (KeyNumeric){0};
    TRY(read_tag(reader, dir, &offset, is_null_out));
    if (*is_null_out) {
        reader->offset = offset;
        return NULL;
    }
    uint8_t mask = dir_mask(dir);
    if (offset >= reader->size) return corrupt(reader, offset, "truncated numeric");
    uint8_t class_byte = reader->bytes[offset] ^ mask;
    offset++;
    switch (class_byte) {
    case NUMERIC_NAN: value_out->is_nan = true; break;
    case NUMERIC_NEG_INF: *value_out = (KeyNumeric){.is_infinite = true, .sign = -1}; break;
    case NUMERIC_POS_INF: *value_out = (KeyNumeric){.is_infinite = true, .sign = 1}; break;
    case NUMERIC_ZERO: break;
    case NUMERIC_NEGATIVE:
    case NUMERIC_POSITIVE: {
        uint8_t payload_mask = mask ^ (class_byte == NUMERIC_NEGATIVE ? 0xFF : 0x00);
        if (reader->size - offset < 4) return corrupt(reader, offset, "truncated numeric");
        uint8_t weight_bytes[4];
        for (int byte_idx = 0; byte_idx < 4; byte_idx++) {
            weight_bytes[byte_idx] = reader->bytes[offset + byte_idx] ^ payload_mask;
        }
        offset += 4;
        size_t digit_count = 0;
        TRY(scan_numeric_digits(reader, offset, payload_mask, &digit_count));
        uint16_t *digits = arena_alloc(arena, digit_count * sizeof *digits);
        if (digits == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        for (size_t digit_idx = 0; digit_idx < digit_count; digit_idx++, offset += 2) {
            uint16_t stored = (uint16_t)(((reader->bytes[offset] ^ payload_mask) << 8) |
                                         (reader->bytes[offset + 1] ^ payload_mask));
            digits[digit_idx] = (uint16_t)(stored - 1);
        }
        offset += 2;   /* the terminator, checked by scan_numeric_digits */
        value_out->sign = class_byte == NUMERIC_NEGATIVE ? -1 : 1;
        value_out->weight = (int32_t)(dec_u32be(weight_bytes) ^ UINT32_C(0x80000000));
        value_out->digit_count = (uint16_t)digit_count;
        value_out->digits = digits;
        break;
    }
    default: return corrupt(reader, offset - 1, "bad numeric class");
    }
    reader->offset = offset;
    return NULL;
}

/* scan_bytes: validate an escaped byte string starting at offset; count its decoded bytes and
 * find the offset past its terminator. */
static Error *scan_bytes(const KeyReader *reader, size_t offset, uint8_t mask, size_t *size_out,
                         size_t *end_offset_out)
{
    size_t size = 0;
    for (;;) {
        if (offset >= reader->size) return corrupt(reader, offset, "unterminated string");
        if ((reader->bytes[offset] ^ mask) != 0) {
            size++;
            offset++;
            continue;
        }
        if (offset + 1 >= reader->size) return corrupt(reader, offset, "unterminated string");
        uint8_t next = reader->bytes[offset + 1] ^ mask;
        offset += 2;
        if (next == 0x00) break;
        if (next != 0xFF) return corrupt(reader, offset - 1, "bad string escape");
        size++;
    }
    *size_out = size;
    *end_offset_out = offset;
    return NULL;
}

Error *key_read_bytes(KeyReader *reader, KeyDir dir, Arena *arena, bool *is_null_out,
                      const uint8_t **bytes_out, size_t *size_out)
{
    size_t offset = reader->offset;
    *bytes_out = NULL;
    *size_out = 0;
    TRY(read_tag(reader, dir, &offset, is_null_out));
    if (*is_null_out) {
        reader->offset = offset;
        return NULL;
    }
    uint8_t mask = dir_mask(dir);
    size_t size = 0, end_offset = 0;
    TRY(scan_bytes(reader, offset, mask, &size, &end_offset));
    uint8_t *out = arena_alloc(arena, size + 1);
    if (out == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    size_t out_idx = 0;
    while (out_idx < size) {
        uint8_t byte = reader->bytes[offset] ^ mask;
        out[out_idx++] = byte;
        offset += byte == 0 ? 2 : 1;   /* skip the escape after a zero */
    }
    out[size] = 0;
    *bytes_out = out;
    *size_out = size;
    reader->offset = end_offset;
    return NULL;
}

Error *key_read_text(KeyReader *reader, KeyDir dir, Arena *arena, bool *is_null_out,
                     const char **text_out, size_t *size_out)
{
    const uint8_t *bytes = NULL;
    TRY(key_read_bytes(reader, dir, arena, is_null_out, &bytes, size_out));
    *text_out = (const char *)bytes;
    return NULL;
}
