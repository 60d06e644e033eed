/* storage/tests/test_key.c: the order-preserving key encoding.
 *
 * Random values of every type (edge values mixed in, and drawn from small pools so that equal
 * values and common prefixes are frequent) are encoded in all four KeyDirs; the sign of
 * key_compare() must equal the sign of a reference comparator written here from PostgreSQL's
 * documented semantics (it shares no code with key.c), and decoding must give the value back.
 * Corrupt and truncated keys must give INDEX_CORRUPTED, never a crash (run under ASan too).
 */
#include <check.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/error.h"
#include "storage/key.h"

#include "common/tests/require.h"

/* ---------------------------------------------------------------- test support */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

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

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static int scaled(int count)
{
    int result = (int)(count * test_scale());
    return result < 10 ? 10 : result;
}

static int sign_of(int value)
{
    return (value > 0) - (value < 0);
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

static const KeyDir ALL_DIRS[4] = {KEY_ASC, KEY_DESC_NULLS_LAST, KEY_ASC_NULLS_FIRST, KEY_DESC};

/* ---------------------------------------------------------------- test values */

typedef enum TType {
    T_BOOL, T_INT16, T_INT32, T_INT64, T_UINT64, T_FLOAT32, T_FLOAT64, T_NUMERIC, T_TEXT,
    T_BYTES, T_DATE, T_TIMESTAMP, T_INTERVAL, T_COUNT
} TType;

static const char *const TYPE_NAMES[T_COUNT] = {
    "bool", "int16", "int32", "int64", "uint64", "float32", "float64", "numeric", "text",
    "bytes", "date", "timestamp", "interval"};

enum { TEST_DIGITS_MAX = 600, TEST_TEXT_MAX = 1100 };

typedef struct TValue {
    TType       type;
    bool        is_null;
    bool        b;
    int64_t     i;          /* int16/32/64, date, timestamp */
    uint64_t    u;
    float       f32;
    double      f64;
    KeyInterval iv;
    bool        num_nan, num_inf;
    int8_t      num_sign;
    int32_t     num_weight;
    uint16_t    num_count;
    uint16_t    num_digits[TEST_DIGITS_MAX];
    size_t      text_size;
    uint8_t     text[TEST_TEXT_MAX];
} TValue;

static KeyNumeric numeric_of(const TValue *value)
{
    return (KeyNumeric){value->num_nan, value->num_inf, value->num_sign, value->num_weight,
                        value->num_count, value->num_digits};
}

static const int64_t DAY_USEC = INT64_C(86400000000);

static int64_t gen_int(int64_t min, int64_t max)
{
    static const int64_t pool[] = {0, 1, -1, 2, -2, 100, -100, 255, 256, -256, 65535, 65536};
    int pick = (int)rng_below(10);
    if (pick == 0) return min;
    if (pick == 1) return max;
    if (pick < 6) {
        int64_t value = pool[rng_below(sizeof pool / sizeof pool[0])];
        return value < min ? min : (value > max ? max : value);
    }
    uint64_t span = (uint64_t)max - (uint64_t)min;
    uint64_t offset = span == UINT64_MAX ? rng_next() : rng_below(span + 1);
    return (int64_t)((uint64_t)min + offset);
}

static double gen_double(void)
{
    static const double pool[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e300, -1e300, 3.0};
    int pick = (int)rng_below(20);
    switch (pick) {
    case 0: return NAN;
    case 1: return -NAN;
    case 2: {   /* a NaN with a random payload and sign */
        uint64_t bits = UINT64_C(0x7FF0000000000000) | (rng_next() & UINT64_C(0x800FFFFFFFFFFFFF));
        bits |= 1;
        double value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    case 3: return INFINITY;
    case 4: return -INFINITY;
    case 5: return DBL_TRUE_MIN * (double)(1 + rng_below(3));
    case 6: return -DBL_TRUE_MIN * (double)(1 + rng_below(3));
    case 7: return rng_chance(50) ? DBL_MAX : -DBL_MAX;
    case 8: return rng_chance(50) ? DBL_MIN : -DBL_MIN;
    case 9: case 10: case 11: case 12: return pool[rng_below(sizeof pool / sizeof pool[0])];
    case 13: case 14: return (double)((int)rng_below(7) - 3) * 0.25;
    default: {
        uint64_t bits = rng_next();
        double value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    }
}

static float gen_float(void)
{
    int pick = (int)rng_below(12);
    if (pick == 0) return FLT_TRUE_MIN;
    if (pick == 1) return -FLT_TRUE_MIN;
    if (pick == 2) return rng_chance(50) ? FLT_MAX : -FLT_MAX;
    if (pick == 3) {
        uint32_t bits = (uint32_t)rng_next();
        float value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    double value = gen_double();
    if (isnan(value)) return rng_chance(50) ? NAN : -NAN;
    return (float)value;   /* large values become +-Inf, tiny ones +-0 */
}

static void gen_numeric(TValue *value, bool allow_long)
{
    static const uint16_t digit_pool[] = {0, 1, 2, 5000, 9999, 10, 100, 1000};
    value->num_nan = value->num_inf = false;
    value->num_sign = 0;
    value->num_weight = 0;
    value->num_count = 0;
    int pick = (int)rng_below(20);
    if (pick == 0) { value->num_nan = true; return; }
    if (pick == 1) { value->num_inf = true; value->num_sign = 1; return; }
    if (pick == 2) { value->num_inf = true; value->num_sign = -1; return; }
    if (pick == 3) {   /* zero, possibly written with zero digits */
        value->num_count = (uint16_t)rng_below(4);
        for (int digit_idx = 0; digit_idx < value->num_count; digit_idx++) {
            value->num_digits[digit_idx] = 0;
        }
        value->num_weight = (int32_t)rng_below(5) - 2;
        return;
    }
    value->num_sign = rng_chance(50) ? 1 : -1;
    int weight_pick = (int)rng_below(10);
    if (weight_pick < 7) value->num_weight = (int32_t)rng_below(7) - 3;
    else if (weight_pick == 7) value->num_weight = (int32_t)gen_int(-1000000, 1000000);
    else if (weight_pick == 8) value->num_weight = INT32_MAX - (int32_t)rng_below(3);
    else value->num_weight = INT32_MIN + 10 + (int32_t)rng_below(3);
    int count = 1 + (int)rng_below(5);
    if (allow_long && rng_chance(5)) count = 100 + (int)rng_below(400);
    bool random_digits = rng_chance(30);
    for (int digit_idx = 0; digit_idx < count; digit_idx++) {
        value->num_digits[digit_idx] = random_digits
                                           ? (uint16_t)rng_below(10000)
                                           : digit_pool[rng_below(sizeof digit_pool / 2)];
    }
    value->num_digits[rng_below((uint64_t)count)] = (uint16_t)(1 + rng_below(9999));
    if (value->num_weight < INT32_MIN + 20) {   /* no leading zeros: the weight stays valid */
        if (value->num_digits[0] == 0) value->num_digits[0] = 7;
    }
    if (rng_chance(15) && count < TEST_DIGITS_MAX - 2) {   /* trailing zeros: 1.5 vs 1.50 */
        value->num_digits[count++] = 0;
    }
    value->num_count = (uint16_t)count;
}

static void gen_bytes(TValue *value, bool allow_long)
{
    static const uint8_t alphabet[] = {0x00, 0x01, 'a', 'b', 0xFE, 0xFF};
    static const char *const edges[] = {"", "\0", "\0\0", "\xff", "\xff\xff", "a", "a\0", "ab",
                                        "a\xff", "\x01"};
    static const size_t edge_sizes[] = {0, 1, 2, 1, 2, 1, 2, 2, 2, 1};
    if (rng_chance(20)) {
        size_t edge_idx = rng_below(sizeof edge_sizes / sizeof edge_sizes[0]);
        value->text_size = edge_sizes[edge_idx];
        memcpy(value->text, edges[edge_idx], value->text_size);
        return;
    }
    size_t size = rng_below(6);
    if (allow_long && rng_chance(5)) size = 200 + rng_below(300);
    bool full_range = rng_chance(20);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value->text[byte_idx] = full_range ? (uint8_t)rng_next()
                                           : alphabet[rng_below(sizeof alphabet)];
    }
    value->text_size = size;
}

static void gen_interval(TValue *value)
{
    static const int64_t usec_pool[] = {0, 1, -1, 43200000000LL, -43200000000LL, 86400000000LL,
                                        -86400000000LL, 3600000000LL};
    static const int32_t day_pool[] = {0, 1, -1, 30, -30, 60, 29, 31};
    if (rng_chance(15)) {
        value->iv.months = rng_chance(50) ? INT32_MAX : INT32_MIN;
        value->iv.days = rng_chance(50) ? INT32_MAX : INT32_MIN;
        value->iv.microseconds = rng_chance(50) ? INT64_MAX : INT64_MIN;
        if (rng_chance(50)) value->iv.days = (int32_t)rng_below(60) - 30;
        return;
    }
    if (rng_chance(25)) {
        value->iv.months = (int32_t)gen_int(INT32_MIN, INT32_MAX);
        value->iv.days = (int32_t)gen_int(INT32_MIN, INT32_MAX);
        value->iv.microseconds = gen_int(INT64_MIN, INT64_MAX);
        return;
    }
    value->iv.months = (int32_t)rng_below(5) - 2;
    value->iv.days = day_pool[rng_below(8)];
    value->iv.microseconds = usec_pool[rng_below(8)];
}

static void gen_value(TValue *value, TType type, bool allow_long)
{
    value->type = type;
    value->is_null = rng_chance(7);
    switch (type) {
    case T_BOOL: value->b = rng_chance(50); break;
    case T_INT16: value->i = gen_int(INT16_MIN, INT16_MAX); break;
    case T_INT32: case T_DATE: value->i = gen_int(INT32_MIN, INT32_MAX); break;
    case T_INT64: case T_TIMESTAMP: value->i = gen_int(INT64_MIN, INT64_MAX); break;
    case T_UINT64: value->u = rng_chance(20) ? UINT64_MAX : (uint64_t)gen_int(0, INT64_MAX) *
                                                              (rng_chance(50) ? 1 : 2); break;
    case T_FLOAT32: value->f32 = gen_float(); break;
    case T_FLOAT64: value->f64 = gen_double(); break;
    case T_NUMERIC: gen_numeric(value, allow_long); break;
    case T_TEXT: case T_BYTES: gen_bytes(value, allow_long); break;
    case T_INTERVAL: gen_interval(value); break;
    case T_COUNT: ck_abort(); break;
    }
}

/* ---------------------------------------------------------------- reference comparators */

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* PostgreSQL's float8_cmp_internal: NaN is above everything and equal to itself; -0 == 0 */
static int ref_cmp_double(double a, double b)
{
    if (isnan(a)) return isnan(b) ? 0 : 1;
    if (isnan(b)) return -1;
    return (a > b) - (a < b);
}

static uint16_t ref_digit(const TValue *value, int64_t idx)
{
    return idx >= 0 && idx < value->num_count ? value->num_digits[idx] : 0;
}

/* ref_cmp_magnitude: compare |a| and |b|, both non-zero, digit position by position. */
static int ref_cmp_magnitude(const TValue *a, const TValue *b)
{
    int64_t lead_a = 0, lead_b = 0;
    while (a->num_digits[lead_a] == 0) lead_a++;
    while (b->num_digits[lead_b] == 0) lead_b++;
    int64_t top_a = (int64_t)a->num_weight - lead_a, top_b = (int64_t)b->num_weight - lead_b;
    if (top_a != top_b) return top_a > top_b ? 1 : -1;
    int64_t rest = a->num_count - lead_a > b->num_count - lead_b ? a->num_count - lead_a
                                                                 : b->num_count - lead_b;
    for (int64_t pos = 0; pos < rest; pos++) {
        int diff = (int)ref_digit(a, lead_a + pos) - (int)ref_digit(b, lead_b + pos);
        if (diff != 0) return sign_of(diff);
    }
    return 0;
}

static bool ref_numeric_is_zero(const TValue *value)
{
    for (int digit_idx = 0; digit_idx < value->num_count; digit_idx++) {
        if (value->num_digits[digit_idx] != 0) return false;
    }
    return true;
}

/* numeric order: -Inf < negatives < 0 < positives < +Inf < NaN (NaN equal to NaN) */
static int ref_numeric_rank(const TValue *value)
{
    if (value->num_nan) return 3;
    if (value->num_inf) return value->num_sign < 0 ? -2 : 2;
    if (ref_numeric_is_zero(value)) return 0;
    return value->num_sign < 0 ? -1 : 1;
}

static int ref_cmp_numeric(const TValue *a, const TValue *b)
{
    int rank_a = ref_numeric_rank(a), rank_b = ref_numeric_rank(b);
    if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
    if (rank_a == 1) return ref_cmp_magnitude(a, b);
    if (rank_a == -1) return -ref_cmp_magnitude(a, b);
    return 0;
}

/* PostgreSQL's interval_cmp_value: months as 30 days, days as 24 hours, 128-bit span */
static __int128 ref_interval_span(const KeyInterval *value)
{
    return ((__int128)value->months * 30 + value->days) * (__int128)DAY_USEC + value->microseconds;
}

static int ref_cmp_bytes(const TValue *a, const TValue *b)
{
    size_t common = a->text_size < b->text_size ? a->text_size : b->text_size;
    for (size_t byte_idx = 0; byte_idx < common; byte_idx++) {
        if (a->text[byte_idx] != b->text[byte_idx]) {
            return a->text[byte_idx] < b->text[byte_idx] ? -1 : 1;
        }
    }
    return cmp_i64((int64_t)a->text_size, (int64_t)b->text_size);
}

static int ref_cmp(const TValue *a, const TValue *b)
{
    switch (a->type) {
    case T_BOOL: return cmp_i64(a->b, b->b);
    case T_INT16: case T_INT32: case T_INT64: case T_DATE: case T_TIMESTAMP:
        return cmp_i64(a->i, b->i);
    case T_UINT64: return (a->u > b->u) - (a->u < b->u);
    case T_FLOAT32: return ref_cmp_double(a->f32, b->f32);
    case T_FLOAT64: return ref_cmp_double(a->f64, b->f64);
    case T_NUMERIC: return ref_cmp_numeric(a, b);
    case T_TEXT: case T_BYTES: return ref_cmp_bytes(a, b);
    case T_INTERVAL: {
        __int128 span_a = ref_interval_span(&a->iv), span_b = ref_interval_span(&b->iv);
        return (span_a > span_b) - (span_a < span_b);
    }
    case T_COUNT: break;
    }
    ck_abort();
    return 0;
}

static int ref_cmp_dir(const TValue *a, const TValue *b, KeyDir dir)
{
    bool nulls_first = dir == KEY_ASC_NULLS_FIRST || dir == KEY_DESC;
    bool descending = dir == KEY_DESC || dir == KEY_DESC_NULLS_LAST;
    if (a->is_null || b->is_null) {
        if (a->is_null && b->is_null) return 0;
        return a->is_null == nulls_first ? -1 : 1;
    }
    int order = ref_cmp(a, b);
    return descending ? -order : order;
}

/* ---------------------------------------------------------------- encode / decode by type */

static Error *encode_value(KeyBuf *buf, KeyDir dir, const TValue *value)
{
    if (value->is_null) return key_append_null(buf, dir);
    switch (value->type) {
    case T_BOOL: return key_append_bool(buf, dir, value->b);
    case T_INT16: return key_append_int16(buf, dir, (int16_t)value->i);
    case T_INT32: return key_append_int32(buf, dir, (int32_t)value->i);
    case T_INT64: return key_append_int64(buf, dir, value->i);
    case T_UINT64: return key_append_uint64(buf, dir, value->u);
    case T_FLOAT32: return key_append_float32(buf, dir, value->f32);
    case T_FLOAT64: return key_append_float64(buf, dir, value->f64);
    case T_NUMERIC: {
        KeyNumeric numeric = numeric_of(value);
        return key_append_numeric(buf, dir, &numeric);
    }
    case T_TEXT: return key_append_text(buf, dir, (const char *)value->text, value->text_size);
    case T_BYTES: return key_append_bytes(buf, dir, value->text, value->text_size);
    case T_DATE: return key_append_date(buf, dir, (int32_t)value->i);
    case T_TIMESTAMP: return key_append_timestamp(buf, dir, value->i);
    case T_INTERVAL: return key_append_interval(buf, dir, &value->iv);
    case T_COUNT: break;
    }
    ck_abort();
    return NULL;
}

static Error *decode_value(KeyReader *reader, KeyDir dir, TType type, Arena *arena,
                           TValue *out)
{
    memset(out, 0, offsetof(TValue, num_digits));
    out->type = type;
    bool *is_null = &out->is_null;
    switch (type) {
    case T_BOOL: return key_read_bool(reader, dir, is_null, &out->b);
    case T_INT16: {
        int16_t value = 0;
        Error *err = key_read_int16(reader, dir, is_null, &value);
        out->i = value;
        return err;
    }
    case T_INT32: case T_DATE: {
        int32_t value = 0;
        Error *err = type == T_INT32 ? key_read_int32(reader, dir, is_null, &value)
                                     : key_read_date(reader, dir, is_null, &value);
        out->i = value;
        return err;
    }
    case T_INT64: return key_read_int64(reader, dir, is_null, &out->i);
    case T_TIMESTAMP: return key_read_timestamp(reader, dir, is_null, &out->i);
    case T_UINT64: return key_read_uint64(reader, dir, is_null, &out->u);
    case T_FLOAT32: return key_read_float32(reader, dir, is_null, &out->f32);
    case T_FLOAT64: return key_read_float64(reader, dir, is_null, &out->f64);
    case T_NUMERIC: {
        KeyNumeric numeric;
        TRY(key_read_numeric(reader, dir, arena, is_null, &numeric));
        out->num_nan = numeric.is_nan;
        out->num_inf = numeric.is_infinite;
        out->num_sign = numeric.sign;
        out->num_weight = numeric.weight;
        out->num_count = numeric.digit_count;
        REQUIRE_ULE(numeric.digit_count, TEST_DIGITS_MAX);
        if (numeric.digit_count > 0) {
            memcpy(out->num_digits, numeric.digits, numeric.digit_count * sizeof(uint16_t));
        }
        return NULL;
    }
    case T_TEXT: case T_BYTES: {
        const uint8_t *bytes = NULL;
        const char *text = NULL;
        Error *err = type == T_TEXT
                         ? key_read_text(reader, dir, arena, is_null, &text, &out->text_size)
                         : key_read_bytes(reader, dir, arena, is_null, &bytes, &out->text_size);
        if (err != NULL) return err;
        if (type == T_TEXT) bytes = (const uint8_t *)text;
        if (!*is_null) {
            REQUIRE_ULE(out->text_size, TEST_TEXT_MAX);
            REQUIRE_UEQ(bytes[out->text_size], 0);
            memcpy(out->text, bytes, out->text_size);
        }
        return NULL;
    }
    case T_INTERVAL: return key_read_interval(reader, dir, is_null, &out->iv);
    case T_COUNT: break;
    }
    ck_abort();
    return NULL;
}

/* assert_round_trip: decoded equals original as exactly as key.h promises. */
static void assert_round_trip(const TValue *original, const TValue *decoded)
{
    REQUIRE_IEQ(decoded->is_null, original->is_null);
    if (original->is_null) return;
    REQUIRE_MSG(ref_cmp(original, decoded) == 0, "%s value changed in round trip",
                  TYPE_NAMES[original->type]);
    switch (original->type) {
    case T_FLOAT32:
        if (!isnan(original->f32) && original->f32 != 0.0f) {
            REQUIRE(memcmp(&original->f32, &decoded->f32, sizeof(float)) == 0);
        }
        if (original->f32 == 0.0f) REQUIRE(!signbit(decoded->f32));
        break;
    case T_FLOAT64:
        if (!isnan(original->f64) && original->f64 != 0.0) {
            REQUIRE(memcmp(&original->f64, &decoded->f64, sizeof(double)) == 0);
        }
        if (original->f64 == 0.0) REQUIRE(!signbit(decoded->f64));
        break;
    case T_NUMERIC:   /* canonical: no leading or trailing zero digits */
        if (decoded->num_count > 0) {
            REQUIRE_UNE(decoded->num_digits[0], 0);
            REQUIRE_UNE(decoded->num_digits[decoded->num_count - 1], 0);
        }
        for (int digit_idx = 0; digit_idx < decoded->num_count; digit_idx++) {
            REQUIRE_ULT(decoded->num_digits[digit_idx], 10000);
        }
        break;
    case T_INTERVAL: {   /* canonical: every field has the span's sign */
        __int128 span = ref_interval_span(&decoded->iv);
        if (span >= 0) {
            REQUIRE(decoded->iv.months >= 0 && decoded->iv.days >= 0 &&
                      decoded->iv.microseconds >= 0);
        } else {
            REQUIRE(decoded->iv.months <= 0 && decoded->iv.days <= 0 &&
                      decoded->iv.microseconds <= 0);
        }
        if (decoded->iv.months != INT32_MAX && decoded->iv.months != INT32_MIN) {
            REQUIRE_ILT(llabs(decoded->iv.days), 30);
        }
        break;
    }
    default: break;   /* the reference comparison above is exact for the other types */
    }
}

/* perturb_equal: another representation of the same value: 1.50 for 1.5, '30 days' for
 * '1 mon', -0 for 0, another NaN. */
static void perturb_equal(TValue *value)
{
    switch (value->type) {
    case T_NUMERIC:
        if (value->num_nan || value->num_inf || value->num_count + 2 > TEST_DIGITS_MAX) break;
        if (rng_chance(50)) {
            value->num_digits[value->num_count++] = 0;
        } else if (value->num_weight < INT32_MAX) {
            memmove(value->num_digits + 1, value->num_digits, value->num_count * sizeof(uint16_t));
            value->num_digits[0] = 0;
            value->num_count++;
            value->num_weight++;
        }
        break;
    case T_INTERVAL:
        if (value->iv.months > INT32_MIN && value->iv.days <= INT32_MAX - 30) {
            value->iv.months--;
            value->iv.days += 30;
        } else if (value->iv.days > INT32_MIN && value->iv.microseconds <= INT64_MAX - DAY_USEC) {
            value->iv.days--;
            value->iv.microseconds += DAY_USEC;
        }
        break;
    case T_FLOAT64:
        if (value->f64 == 0.0) value->f64 = -value->f64;
        if (isnan(value->f64)) value->f64 = -value->f64;
        break;
    case T_FLOAT32:
        if (value->f32 == 0.0f) value->f32 = -value->f32;
        if (isnan(value->f32)) value->f32 = -value->f32;
        break;
    default: break;
    }
}

/* ---------------------------------------------------------------- tests */

static TValue value_a, value_b, value_decoded;   /* large: kept off the stack */

START_TEST(test_key_order_matches_reference)
{
    TType type = (TType)_i;
    int pair_count = scaled(50000);
    Arena *arena = arena_create(64 * 1024);
    uint8_t memory_a[KEY_SIZE_MAX], memory_b[KEY_SIZE_MAX];
    int equal_count = 0;
    for (int pair_idx = 0; pair_idx < pair_count; pair_idx++) {
        gen_value(&value_a, type, true);
        gen_value(&value_b, type, true);
        if (rng_chance(15)) {   /* the same value, often written differently */
            value_b = value_a;
            value_b.is_null = false;
            perturb_equal(&value_b);
        }
        for (int dir_idx = 0; dir_idx < 4; dir_idx++) {
            KeyDir dir = ALL_DIRS[dir_idx];
            KeyBuf buf_a, buf_b;
            key_buf_init(&buf_a, memory_a, sizeof memory_a);
            key_buf_init(&buf_b, memory_b, sizeof memory_b);
            assert_ok(encode_value(&buf_a, dir, &value_a));
            assert_ok(encode_value(&buf_b, dir, &value_b));
            int expected = ref_cmp_dir(&value_a, &value_b, dir);
            int actual = sign_of(key_compare(buf_a.bytes, buf_a.size, buf_b.bytes, buf_b.size));
            REQUIRE_MSG(actual == expected, "%s dir %d pair %d: key order %d, reference %d",
                          TYPE_NAMES[type], (int)dir, pair_idx, actual, expected);
            equal_count += expected == 0;

            KeyReader reader;
            key_reader_init(&reader, buf_a.bytes, buf_a.size);
            assert_ok(decode_value(&reader, dir, type, arena, &value_decoded));
            REQUIRE(key_reader_at_end(&reader));
            assert_round_trip(&value_a, &value_decoded);
            /* the decoded value re-encodes to the same bytes */
            key_buf_init(&buf_b, memory_b, sizeof memory_b);
            assert_ok(encode_value(&buf_b, dir, &value_decoded));
            REQUIRE(buf_b.size == buf_a.size && memcmp(buf_a.bytes, buf_b.bytes, buf_a.size) == 0);
        }
        arena_reset(arena);
    }
    /* the generators must produce ties, or equal-encoding bugs would go unseen */
    REQUIRE_IGT(equal_count, pair_count / 20);
    arena_destroy(arena);
}
END_TEST

enum { COMPOSITE_COLUMNS_MAX = 3 };

typedef struct Composite {
    int    column_count;
    TType  types[COMPOSITE_COLUMNS_MAX];
    KeyDir dirs[COMPOSITE_COLUMNS_MAX];
} Composite;

static TValue tuple_a[COMPOSITE_COLUMNS_MAX], tuple_b[COMPOSITE_COLUMNS_MAX];

static Error *encode_tuple(KeyBuf *buf, const Composite *shape, const TValue *tuple)
{
    for (int col_idx = 0; col_idx < shape->column_count; col_idx++) {
        TRY(encode_value(buf, shape->dirs[col_idx], &tuple[col_idx]));
    }
    return NULL;
}

START_TEST(test_key_composite_order_and_prefix_bounds)
{
    int shape_count = scaled(1000);
    Arena *arena = arena_create(64 * 1024);
    uint8_t memory_a[KEY_SIZE_MAX], memory_b[KEY_SIZE_MAX], memory_bound[KEY_SIZE_MAX];
    int compared = 0, skipped = 0;
    for (int shape_idx = 0; shape_idx < shape_count; shape_idx++) {
        Composite shape = {.column_count = 2 + (int)rng_below(2)};
        for (int col_idx = 0; col_idx < shape.column_count; col_idx++) {
            shape.types[col_idx] = (TType)rng_below(T_COUNT);
            shape.dirs[col_idx] = ALL_DIRS[rng_below(4)];
        }
        for (int pair_idx = 0; pair_idx < 30; pair_idx++) {
            for (int col_idx = 0; col_idx < shape.column_count; col_idx++) {
                gen_value(&tuple_a[col_idx], shape.types[col_idx], rng_chance(10));
                gen_value(&tuple_b[col_idx], shape.types[col_idx], rng_chance(10));
                if (rng_chance(50)) tuple_b[col_idx] = tuple_a[col_idx];   /* ties decide */
            }
            KeyBuf buf_a, buf_b;
            key_buf_init(&buf_a, memory_a, sizeof memory_a);
            key_buf_init(&buf_b, memory_b, sizeof memory_b);
            Error *err_a = encode_tuple(&buf_a, &shape, tuple_a);
            Error *err_b = encode_tuple(&buf_b, &shape, tuple_b);
            if (err_a != NULL || err_b != NULL) {   /* three long strings can exceed the limit */
                if (err_a != NULL) assert_state(err_a, SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
                if (err_b != NULL) assert_state(err_b, SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
                skipped++;
                continue;
            }
            int expected = 0;
            for (int col_idx = 0; col_idx < shape.column_count && expected == 0; col_idx++) {
                expected = ref_cmp_dir(&tuple_a[col_idx], &tuple_b[col_idx], shape.dirs[col_idx]);
            }
            int actual = sign_of(key_compare(buf_a.bytes, buf_a.size, buf_b.bytes, buf_b.size));
            REQUIRE_IEQ(actual, expected);
            compared++;

            /* prefix bound: keys whose first column equals a's are in [lo, hi) */
            KeyBuf bound;
            key_buf_init(&bound, memory_bound, sizeof memory_bound);
            assert_ok(encode_value(&bound, shape.dirs[0], &tuple_a[0]));
            size_t lo_size = bound.size;
            assert_ok(key_append_prefix_end(&bound));
            int first_order = ref_cmp_dir(&tuple_b[0], &tuple_a[0], shape.dirs[0]);
            int vs_lo = key_compare(buf_b.bytes, buf_b.size, bound.bytes, lo_size);
            int vs_hi = key_compare(buf_b.bytes, buf_b.size, bound.bytes, bound.size);
            if (first_order == 0) {
                REQUIRE(vs_lo > 0 && vs_hi < 0);
            } else if (first_order < 0) {
                REQUIRE(vs_lo < 0);
            } else {
                REQUIRE(vs_hi > 0);
            }

            KeyReader reader;
            key_reader_init(&reader, buf_a.bytes, buf_a.size);
            for (int col_idx = 0; col_idx < shape.column_count; col_idx++) {
                assert_ok(decode_value(&reader, shape.dirs[col_idx], shape.types[col_idx], arena,
                                       &value_decoded));
                assert_round_trip(&tuple_a[col_idx], &value_decoded);
            }
            REQUIRE(key_reader_at_end(&reader));
            arena_reset(arena);
        }
    }
    REQUIRE_IGT(compared, skipped * 10);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_key_sorted_order_of_edge_values)
{
    /* a hand-written ascending list per type: encodings must be strictly ascending in ASC,
     * strictly descending in DESC, and equal where the values are equal */
    static const double doubles[] = {-INFINITY, -DBL_MAX, -1.0, -DBL_MIN, -DBL_TRUE_MIN, 0.0,
                                     DBL_TRUE_MIN, DBL_MIN, 1.0, DBL_MAX, INFINITY, NAN};
    size_t count = sizeof doubles / sizeof doubles[0];
    uint8_t memory[2][KEY_SIZE_MAX];
    for (int dir_idx = 0; dir_idx < 4; dir_idx++) {
        for (size_t idx = 0; idx + 1 < count; idx++) {
            KeyBuf low, high;
            key_buf_init(&low, memory[0], KEY_SIZE_MAX);
            key_buf_init(&high, memory[1], KEY_SIZE_MAX);
            assert_ok(key_append_float64(&low, ALL_DIRS[dir_idx], doubles[idx]));
            assert_ok(key_append_float64(&high, ALL_DIRS[dir_idx], doubles[idx + 1]));
            int order = key_compare(low.bytes, low.size, high.bytes, high.size);
            bool descending = ALL_DIRS[dir_idx] == KEY_DESC ||
                              ALL_DIRS[dir_idx] == KEY_DESC_NULLS_LAST;
            REQUIRE(descending ? order > 0 : order < 0);
        }
    }
    /* -0 == 0 and all NaNs are equal, byte for byte */
    KeyBuf zero, negative_zero;
    key_buf_init(&zero, memory[0], KEY_SIZE_MAX);
    key_buf_init(&negative_zero, memory[1], KEY_SIZE_MAX);
    assert_ok(key_append_float64(&zero, KEY_DESC, 0.0));
    assert_ok(key_append_float64(&negative_zero, KEY_DESC, -0.0));
    REQUIRE_IEQ(key_compare(zero.bytes, zero.size, negative_zero.bytes, negative_zero.size), 0);
    key_buf_init(&zero, memory[0], KEY_SIZE_MAX);
    key_buf_init(&negative_zero, memory[1], KEY_SIZE_MAX);
    assert_ok(key_append_float32(&zero, KEY_ASC, NAN));
    assert_ok(key_append_float32(&negative_zero, KEY_ASC, -NAN));
    REQUIRE_IEQ(key_compare(zero.bytes, zero.size, negative_zero.bytes, negative_zero.size), 0);

    /* text: "" < "\0" < "a" < "a\0" < "a\0\0" < "a\x01" < "ab" < "b" < "\xff" in ASC */
    static const char *const texts[] = {"", "\0", "a", "a\0", "a\0\0", "a\x01", "ab", "b", "\xff"};
    static const size_t text_sizes[] = {0, 1, 1, 2, 3, 2, 2, 1, 1};
    for (int dir_idx = 0; dir_idx < 4; dir_idx++) {
        bool descending = ALL_DIRS[dir_idx] == KEY_DESC || ALL_DIRS[dir_idx] == KEY_DESC_NULLS_LAST;
        for (size_t idx = 0; idx + 1 < sizeof text_sizes / sizeof text_sizes[0]; idx++) {
            KeyBuf low, high;
            key_buf_init(&low, memory[0], KEY_SIZE_MAX);
            key_buf_init(&high, memory[1], KEY_SIZE_MAX);
            assert_ok(key_append_text(&low, ALL_DIRS[dir_idx], texts[idx], text_sizes[idx]));
            assert_ok(key_append_int32(&low, KEY_ASC, 99));   /* a following column */
            assert_ok(
                key_append_text(&high, ALL_DIRS[dir_idx], texts[idx + 1], text_sizes[idx + 1]));
            assert_ok(key_append_int32(&high, KEY_ASC, -99));
            int order = key_compare(low.bytes, low.size, high.bytes, high.size);
            REQUIRE_MSG(descending ? order > 0 : order < 0, "text %zu dir %d", idx, dir_idx);
        }
    }
}
END_TEST

START_TEST(test_key_numeric_scale_and_nulls_placement)
{
    /* 1.5 (digits 1, 5000) and 1.50 (1, 5000, 0) and 0001.5 encode identically */
    static const uint16_t plain[] = {1, 5000}, trailing[] = {1, 5000, 0, 0},
                          leading[] = {0, 1, 5000};
    KeyNumeric values[3] = {{.sign = 1, .weight = 0, .digit_count = 2, .digits = plain},
                            {.sign = 1, .weight = 0, .digit_count = 4, .digits = trailing},
                            {.sign = 1, .weight = 1, .digit_count = 3, .digits = leading}};
    uint8_t memory[3][KEY_SIZE_MAX];
    KeyBuf bufs[3];
    for (int idx = 0; idx < 3; idx++) {
        key_buf_init(&bufs[idx], memory[idx], KEY_SIZE_MAX);
        assert_ok(key_append_numeric(&bufs[idx], KEY_ASC, &values[idx]));
    }
    REQUIRE_UEQ(bufs[0].size, bufs[1].size);
    REQUIRE(memcmp(bufs[0].bytes, bufs[1].bytes, bufs[0].size) == 0);
    REQUIRE(memcmp(bufs[0].bytes, bufs[2].bytes, bufs[0].size) == 0);

    /* NULL placement: ASC puts NULL last, DESC first; both explicit variants too */
    for (int dir_idx = 0; dir_idx < 4; dir_idx++) {
        KeyDir dir = ALL_DIRS[dir_idx];
        KeyBuf null_key, value_key;
        key_buf_init(&null_key, memory[0], KEY_SIZE_MAX);
        key_buf_init(&value_key, memory[1], KEY_SIZE_MAX);
        assert_ok(key_append_null(&null_key, dir));
        assert_ok(key_append_int64(&value_key, dir, INT64_MAX));
        int order = key_compare(null_key.bytes, null_key.size, value_key.bytes, value_key.size);
        bool nulls_first = dir == KEY_DESC || dir == KEY_ASC_NULLS_FIRST;
        REQUIRE(nulls_first ? order < 0 : order > 0);
    }
    REQUIRE_IEQ(key_dir_make(false, false), KEY_ASC);
    REQUIRE_IEQ(key_dir_make(true, true), KEY_DESC);
    REQUIRE_IEQ(key_dir_make(false, true), KEY_ASC_NULLS_FIRST);
    REQUIRE_IEQ(key_dir_make(true, false), KEY_DESC_NULLS_LAST);
    REQUIRE_ILT(key_compare((const uint8_t *)"a", 1, (const uint8_t *)"ab", 2), 0);
    REQUIRE_IGT(key_compare((const uint8_t *)"b", 1, (const uint8_t *)"ab", 2), 0);
    REQUIRE_IEQ(key_compare(NULL, 0, NULL, 0), 0);
}
END_TEST

START_TEST(test_key_size_limit)
{
    static uint8_t text[KEY_SIZE_MAX * 2];
    memset(text, 'x', sizeof text);
    uint8_t memory[KEY_SIZE_MAX + 64];
    KeyBuf buf;
    key_buf_init(&buf, memory, sizeof memory);
    REQUIRE_UEQ(buf.size_max, KEY_SIZE_MAX);
    /* tag + 1021 bytes + terminator = exactly KEY_SIZE_MAX */
    assert_ok(key_append_text(&buf, KEY_ASC, (const char *)text, KEY_SIZE_MAX - 3));
    REQUIRE_UEQ(buf.size, KEY_SIZE_MAX);
    assert_state(key_append_bool(&buf, KEY_ASC, true), SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    assert_state(key_append_null(&buf, KEY_ASC), SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    assert_state(key_append_prefix_end(&buf), SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    REQUIRE_UEQ(buf.size, KEY_SIZE_MAX);

    key_buf_init(&buf, memory, sizeof memory);
    assert_ok(key_append_int32(&buf, KEY_ASC, 7));
    Error *err = key_append_text(&buf, KEY_DESC, (const char *)text, KEY_SIZE_MAX - 3);
    REQUIRE(NULL != err);
    REQUIRE_STR_EQ(sqlstate_code(err->state), "54000");
    REQUIRE(NULL != strstr(err->message, "exceeds maximum 1024"));
    err_free(err);
    REQUIRE_UEQ(buf.size, 5);   /* unchanged by the failed append */
    assert_state(key_append_bytes(&buf, KEY_ASC, text, sizeof text),
                 SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    /* escapes count: 600 zero bytes need 1200 bytes */
    static const uint8_t zeros[600];
    assert_state(key_append_bytes(&buf, KEY_ASC, zeros, sizeof zeros),
                 SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    REQUIRE_UEQ(buf.size, 5);

    /* numeric with too many digits, and a small caller buffer */
    static uint16_t digits[KEY_NUMERIC_DIGIT_COUNT_MAX];
    for (int idx = 0; idx < KEY_NUMERIC_DIGIT_COUNT_MAX; idx++) digits[idx] = 1;
    KeyNumeric numeric = {.sign = -1, .weight = 3, .digit_count = KEY_NUMERIC_DIGIT_COUNT_MAX,
                          .digits = digits};
    assert_state(key_append_numeric(&buf, KEY_ASC, &numeric), SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    uint8_t small[6];
    key_buf_init(&buf, small, sizeof small);
    assert_ok(key_append_int32(&buf, KEY_ASC, 1));
    assert_state(key_append_int32(&buf, KEY_ASC, 1), SQLSTATE_PROGRAM_LIMIT_EXCEEDED);
    assert_ok(key_append_null(&buf, KEY_ASC));
    key_buf_truncate(&buf, 0);
    REQUIRE_UEQ(buf.size, 0);
}
END_TEST

/* try_decode: decode bytes as the given types; NULL or an INDEX_CORRUPTED error (asserted). */
static bool try_decode(const uint8_t *bytes, size_t size, const TType *types, const KeyDir *dirs,
                       int column_count, Arena *arena)
{
    KeyReader reader;
    key_reader_init(&reader, bytes, size);
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        size_t offset_before = reader.offset;
        Error *err = decode_value(&reader, dirs[col_idx], types[col_idx], arena, &value_decoded);
        if (err != NULL) {
            REQUIRE_STR_EQ(sqlstate_code(err->state), "XX002");
            REQUIRE_UEQ(reader.offset, offset_before);   /* unchanged on error */
            err_free(err);
            return false;
        }
        REQUIRE_ULE(reader.offset, size);
    }
    return true;
}

START_TEST(test_key_truncated_and_garbled_bytes)
{
    int key_count = scaled(5000);
    Arena *arena = arena_create(64 * 1024);
    uint8_t memory[KEY_SIZE_MAX];
    for (int key_idx = 0; key_idx < key_count; key_idx++) {
        TType types[2] = {(TType)rng_below(T_COUNT), (TType)rng_below(T_COUNT)};
        KeyDir dirs[2] = {ALL_DIRS[rng_below(4)], ALL_DIRS[rng_below(4)]};
        KeyBuf buf;
        key_buf_init(&buf, memory, sizeof memory);
        for (int col_idx = 0; col_idx < 2; col_idx++) {
            gen_value(&value_a, types[col_idx], false);
            assert_ok(encode_value(&buf, dirs[col_idx], &value_a));
        }
        REQUIRE(try_decode(buf.bytes, buf.size, types, dirs, 2, arena));
        /* every strict prefix is truncated: no encoding is a prefix of another */
        for (size_t size = 0; size < buf.size; size++) {
            uint8_t *copy = malloc(size + 1);   /* exact-size heap copy: ASan sees overreads */
            memcpy(copy, buf.bytes, size);
            REQUIRE(!try_decode(copy, size, types, dirs, 2, arena));
            free(copy);
        }
        /* random byte flips and random bytes: an error or a value, never a crash */
        uint8_t *garbled = malloc(buf.size);
        memcpy(garbled, buf.bytes, buf.size);
        int flip_count = 1 + (int)rng_below(3);
        for (int flip_idx = 0; flip_idx < flip_count; flip_idx++) {
            garbled[rng_below(buf.size)] ^= (uint8_t)(1u << rng_below(8));
        }
        try_decode(garbled, buf.size, types, dirs, 2, arena);
        for (size_t byte_idx = 0; byte_idx < buf.size; byte_idx++) {
            garbled[byte_idx] = (uint8_t)rng_next();
        }
        try_decode(garbled, buf.size, types, dirs, 2, arena);
        free(garbled);
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

/* expect_corrupt: bytes (hex) decoded as type with dir give XX002. */
static void expect_corrupt(TType type, KeyDir dir, const char *hex)
{
    uint8_t bytes[64];
    size_t size = 0;
    REQUIRE_UEQ(strlen(hex) % 2, 0);
    for (const char *cursor = hex; *cursor != '\0'; cursor += 2) {
        unsigned byte;
        REQUIRE_IEQ(sscanf(cursor, "%2x", &byte), 1);
        bytes[size++] = (uint8_t)byte;
    }
    Arena *arena = arena_create(4096);
    REQUIRE_MSG(!try_decode(bytes, size, &type, &dir, 1, arena), "%s %s decoded",
                  TYPE_NAMES[type], hex);
    arena_destroy(arena);
}

START_TEST(test_key_malformed_values)
{
    expect_corrupt(T_INT32, KEY_ASC, "");                  /* no column */
    expect_corrupt(T_INT32, KEY_ASC, "0080000000");        /* tag 0 */
    expect_corrupt(T_INT32, KEY_ASC, "01");                /* NULLS FIRST tag in NULLS LAST */
    expect_corrupt(T_INT32, KEY_DESC, "03");               /* NULLS LAST tag in NULLS FIRST */
    expect_corrupt(T_INT32, KEY_ASC, "04");
    expect_corrupt(T_INT32, KEY_ASC, "FF");                /* a prefix-end bound */
    expect_corrupt(T_BOOL, KEY_ASC, "0202");               /* boolean 2 */
    expect_corrupt(T_BOOL, KEY_DESC, "02FD");
    expect_corrupt(T_FLOAT64, KEY_ASC, "02FFF8000000000000");   /* a non-canonical NaN */
    expect_corrupt(T_FLOAT64, KEY_ASC, "027FFFFFFFFFFFFFFF");   /* -0 */
    expect_corrupt(T_FLOAT64, KEY_ASC, "020000000000000000");   /* a negative NaN */
    expect_corrupt(T_FLOAT32, KEY_ASC, "02FFC00000");
    expect_corrupt(T_FLOAT32, KEY_ASC, "027FFFFFFF");
    expect_corrupt(T_NUMERIC, KEY_ASC, "0200");            /* bad class */
    expect_corrupt(T_NUMERIC, KEY_ASC, "0207");
    expect_corrupt(T_NUMERIC, KEY_ASC, "0204800000000000");      /* positive without digits */
    expect_corrupt(T_NUMERIC, KEY_ASC, "02048000000000010000");  /* leading zero digit */
    expect_corrupt(T_NUMERIC, KEY_ASC, "020480000000000200010000");   /* trailing zero digit */
    expect_corrupt(T_NUMERIC, KEY_ASC, "02048000000027110000");  /* digit 10000 */
    expect_corrupt(T_NUMERIC, KEY_ASC, "020480000000000200");    /* no terminator */
    expect_corrupt(T_NUMERIC, KEY_ASC, "020480");                /* truncated weight */
    expect_corrupt(T_TEXT, KEY_ASC, "02610001");           /* bad escape */
    expect_corrupt(T_TEXT, KEY_ASC, "02610001620000");     /* bad escape, then a terminator */
    expect_corrupt(T_TEXT, KEY_ASC, "026100");             /* half a terminator */
    expect_corrupt(T_TEXT, KEY_ASC, "0261");
    expect_corrupt(T_TEXT, KEY_DESC, "029EFFFE");          /* bad escape, inverted */
    expect_corrupt(T_INTERVAL, KEY_ASC, "028000000000000000000000141DD76000");   /* R = day */
    expect_corrupt(T_INTERVAL, KEY_ASC, "02FFFFFFFFFFFFFFFF0000000000000000");   /* T too big */
    expect_corrupt(T_INTERVAL, KEY_ASC, "0200000000000000000000000000000000");   /* T too small */
    expect_corrupt(T_INT64, KEY_ASC, "0280000000000000");  /* 7 of 8 bytes */

    /* the same bytes well-formed decode, so the cases above fail for the stated reason */
    Arena *arena = arena_create(4096);
    TType type = T_NUMERIC;
    KeyDir dir = KEY_ASC;
    static const uint8_t positive_one[] = {0x02, 0x04, 0x80, 0, 0, 0, 0x00, 0x02, 0x00, 0x00};
    REQUIRE(try_decode(positive_one, sizeof positive_one, &type, &dir, 1, arena));
    REQUIRE_IEQ(value_decoded.num_sign, 1);
    REQUIRE_IEQ(value_decoded.num_weight, 0);
    REQUIRE_IEQ(value_decoded.num_count, 1);
    REQUIRE_IEQ(value_decoded.num_digits[0], 1);
    type = T_TEXT;
    static const uint8_t a_zero[] = {0x02, 0x61, 0x00, 0xFF, 0x00, 0x00};
    REQUIRE(try_decode(a_zero, sizeof a_zero, &type, &dir, 1, arena));
    REQUIRE_UEQ(value_decoded.text_size, 2);
    REQUIRE(memcmp(value_decoded.text, "a\0", 2) == 0);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_key_interval_extremes_round_trip)
{
    /* the largest and smallest spans decode to intervals equal under PostgreSQL's comparison */
    static const KeyInterval extremes[] = {
        {INT32_MAX, INT32_MAX, INT64_MAX}, {INT32_MIN, INT32_MIN, INT64_MIN},
        {INT32_MAX, INT32_MIN, INT64_MAX}, {0, 0, INT64_MIN},
        {0, 0, -1}, {0, -1, 1}, {1, -30, 0}, {-1, 29, DAY_USEC},
    };
    Arena *arena = arena_create(4096);
    uint8_t memory[KEY_SIZE_MAX];
    for (size_t idx = 0; idx < sizeof extremes / sizeof extremes[0]; idx++) {
        for (int dir_idx = 0; dir_idx < 4; dir_idx++) {
            value_a = (TValue){.type = T_INTERVAL, .iv = extremes[idx]};
            KeyBuf buf;
            key_buf_init(&buf, memory, sizeof memory);
            assert_ok(encode_value(&buf, ALL_DIRS[dir_idx], &value_a));
            KeyReader reader;
            key_reader_init(&reader, buf.bytes, buf.size);
            assert_ok(decode_value(&reader, ALL_DIRS[dir_idx], T_INTERVAL, arena, &value_decoded));
            assert_round_trip(&value_a, &value_decoded);
        }
    }
    /* '1 mon' and '30 days' are equal keys and decode to 1 month */
    KeyInterval month = {1, 0, 0}, thirty_days = {0, 30, 0};
    uint8_t other[KEY_SIZE_MAX];
    KeyBuf buf_month, buf_days;
    key_buf_init(&buf_month, memory, sizeof memory);
    key_buf_init(&buf_days, other, sizeof other);
    assert_ok(key_append_interval(&buf_month, KEY_ASC, &month));
    assert_ok(key_append_interval(&buf_days, KEY_ASC, &thirty_days));
    REQUIRE_IEQ(key_compare(buf_month.bytes, buf_month.size, buf_days.bytes, buf_days.size), 0);
    KeyReader reader;
    key_reader_init(&reader, buf_days.bytes, buf_days.size);
    bool is_null = true;
    KeyInterval decoded;
    assert_ok(key_read_interval(&reader, KEY_ASC, &is_null, &decoded));
    REQUIRE(!is_null);
    REQUIRE_IEQ(decoded.months, 1);
    REQUIRE_IEQ(decoded.days, 0);
    REQUIRE_IEQ(decoded.microseconds, 0);
    arena_destroy(arena);
}
END_TEST

static Suite *key_suite(void)
{
    Suite *suite = suite_create("key");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 600);
    tcase_add_loop_test(tcase, test_key_order_matches_reference, 0, T_COUNT);
    tcase_add_test(tcase, test_key_composite_order_and_prefix_bounds);
    tcase_add_test(tcase, test_key_sorted_order_of_edge_values);
    tcase_add_test(tcase, test_key_numeric_scale_and_nulls_placement);
    tcase_add_test(tcase, test_key_size_limit);
    tcase_add_test(tcase, test_key_truncated_and_garbled_bytes);
    tcase_add_test(tcase, test_key_malformed_values);
    tcase_add_test(tcase, test_key_interval_extremes_round_trip);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(key_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
