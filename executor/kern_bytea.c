/* executor/kern_bytea.c: bytea functions (substring, position, set_byte, encode/decode, md5 and
 * the SHA-2 digests, convert_to/convert_from), contracts in kern_funcs.h. Results are built in
 * out's arena. Every function here is strict. */
#include <openssl/evp.h>

#include "executor/kern_funcs.h"
#include "executor/kern_int.h"

#define VIEW(arg_idx) str_at(args[arg_idx], r)

#define BYTEA_KERNEL(NAME, ARG_COUNT, ...)                                                 \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        (void)ctx;                                                                         \
        TRY(kern_out_begin(out, args, ARG_COUNT, sel, count));                             \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            __VA_ARGS__                                                                    \
        });                                                                                \
        return NULL;                                                                       \
    }

static inline int64_t int_arg(const Vector *vec, uint32_t row_idx)
{
    uint32_t slot_idx = vec->is_constant ? 0 : row_idx;
    switch (vec->phys) {
    case VEC_PHYS_I16: return vec_i16(vec)[slot_idx];
    case VEC_PHYS_I64: return vec_i64(vec)[slot_idx];
    default: return vec_i32(vec)[slot_idx];
    }
}

static char *out_alloc(Vector *out, size_t size)
{
    return arena_alloc(out->arena, size > 0 ? size : 1);
}

static void out_set(Vector *out, uint32_t row_idx, const char *data, size_t size)
{
    vec_str(out)[row_idx] = str_view_make_ref(data, (uint32_t)size);
}

/* ---- substring / position / set_byte ----------------------------------------------------- */

/* bytes_slice: bytes [start, end) of s with a 1-based start that may be < 1. */
static Error *bytes_slice(Vector *out, uint32_t row_idx, const StrView *s, int64_t start,
                          int64_t end)
{
    if (start < 1) start = 1;
    if (end > (int64_t)s->size + 1) end = (int64_t)s->size + 1;
    if (end <= start) return vec_str_set(out, row_idx, "", 0);
    return vec_str_set(out, row_idx, str_view_data(s) + start - 1, (uint32_t)(end - start));
}

BYTEA_KERNEL(kern_bytea_substr2, 2,
             TRY(bytes_slice(out, r, VIEW(0), int_arg(args[1], r), INT64_MAX));)

static Error *substr3_row(Vector *out, uint32_t row_idx, const StrView *s, int64_t start,
                          int64_t length)
{
    if (length < 0) {
        return err_new(SQLSTATE_SUBSTRING_ERROR, "negative substring length not allowed");
    }
    return bytes_slice(out, row_idx, s, start, start + length);
}

BYTEA_KERNEL(kern_bytea_substr3, 3,
             TRY(substr3_row(out, r, VIEW(0), int_arg(args[1], r), int_arg(args[2], r)));)

static int32_t bytes_find(const StrView *haystack, const StrView *needle)
{
    if (needle->size == 0) return 1;
    if (needle->size > haystack->size) return 0;
    const char *h = str_view_data(haystack), *n = str_view_data(needle);
    for (uint32_t pos = 0; pos + needle->size <= haystack->size; pos++) {
        if (h[pos] == n[0] && memcmp(h + pos, n, needle->size) == 0) return (int32_t)pos + 1;
    }
    return 0;
}

BYTEA_KERNEL(kern_bytea_position, 2, vec_i32(out)[r] = bytes_find(VIEW(0), VIEW(1));)

static Error *set_byte_row(Vector *out, uint32_t row_idx, const StrView *s, int64_t offset,
                           int64_t value)
{
    if (offset < 0 || (uint64_t)offset >= s->size) {
        return err_new(SQLSTATE_ARRAY_SUBSCRIPT_ERROR, "index %lld out of valid range, 0..%lld",
                       (long long)offset, (long long)s->size - 1);
    }
    char *result = out_alloc(out, s->size);
    if (result == NULL) return kern_oom();
    memcpy(result, str_view_data(s), s->size);
    result[offset] = (char)(unsigned char)(value & 0xFF);
    out_set(out, row_idx, result, s->size);
    return NULL;
}

BYTEA_KERNEL(kern_set_byte, 3,
             TRY(set_byte_row(out, r, VIEW(0), int_arg(args[1], r), int_arg(args[2], r)));)

/* ---- encode / decode --------------------------------------------------------------------- */

typedef enum Codec { CODEC_HEX, CODEC_BASE64, CODEC_ESCAPE } Codec;

static Error *codec_of(const StrView *name, Codec *codec_out)
{
    const char *data = str_view_data(name);
    static const struct { const char *name; Codec codec; } CODECS[] = {
        { "hex", CODEC_HEX }, { "base64", CODEC_BASE64 }, { "escape", CODEC_ESCAPE },
    };
    for (size_t codec_idx = 0; codec_idx < 3; codec_idx++) {
        size_t length = strlen(CODECS[codec_idx].name);
        if (name->size == length && strncasecmp(data, CODECS[codec_idx].name, length) == 0) {
            *codec_out = CODECS[codec_idx].codec;
            return NULL;
        }
    }
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "unrecognized encoding: \"%.*s\"",
                   (int)name->size, data);
}

static const char HEX_DIGITS[] = "0123456789abcdef";
static const char BASE64_DIGITS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode_hex(const unsigned char *src, size_t size, char *dst)
{
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        dst[2 * byte_idx] = HEX_DIGITS[src[byte_idx] >> 4];
        dst[2 * byte_idx + 1] = HEX_DIGITS[src[byte_idx] & 0xF];
    }
    return size * 2;
}

/* encode_base64: PostgreSQL's: a newline after every 76 output characters (not at the end). */
static size_t encode_base64(const unsigned char *src, size_t size, char *dst)
{
    size_t used = 0, line = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx += 3) {
        uint32_t chunk = (uint32_t)src[byte_idx] << 16;
        if (byte_idx + 1 < size) chunk |= (uint32_t)src[byte_idx + 1] << 8;
        if (byte_idx + 2 < size) chunk |= src[byte_idx + 2];
        if (line >= 76) {
            dst[used++] = '\n';
            line = 0;
        }
        dst[used++] = BASE64_DIGITS[(chunk >> 18) & 0x3F];
        dst[used++] = BASE64_DIGITS[(chunk >> 12) & 0x3F];
        dst[used++] = byte_idx + 1 < size ? BASE64_DIGITS[(chunk >> 6) & 0x3F] : '=';
        dst[used++] = byte_idx + 2 < size ? BASE64_DIGITS[chunk & 0x3F] : '=';
        line += 4;
    }
    return used;
}

static size_t encode_escape(const unsigned char *src, size_t size, char *dst)
{
    size_t used = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        unsigned char byte = src[byte_idx];
        if (byte == 0 || byte >= 0x80) {
            dst[used++] = '\\';
            dst[used++] = (char)('0' + (byte >> 6));
            dst[used++] = (char)('0' + ((byte >> 3) & 7));
            dst[used++] = (char)('0' + (byte & 7));
        } else if (byte == '\\') {
            dst[used++] = '\\';
            dst[used++] = '\\';
        } else {
            dst[used++] = (char)byte;
        }
    }
    return used;
}

static Error *encode_row(Vector *out, uint32_t row_idx, const StrView *data, const StrView *name)
{
    Codec codec = CODEC_HEX;   /* set by codec_of; initialized for -O3 -Wmaybe-uninitialized */
    TRY(codec_of(name, &codec));
    size_t size = data->size;
    size_t capacity = codec == CODEC_HEX      ? size * 2
                      : codec == CODEC_ESCAPE ? size * 4
                                              : (size + 2) / 3 * 4 + size / 57 + 1;
    char *result = out_alloc(out, capacity);
    if (result == NULL) return kern_oom();
    const unsigned char *src = (const unsigned char *)str_view_data(data);
    size_t used = codec == CODEC_HEX      ? encode_hex(src, size, result)
                  : codec == CODEC_BASE64 ? encode_base64(src, size, result)
                                          : encode_escape(src, size, result);
    ASSERT(used <= capacity);
    out_set(out, row_idx, result, used);
    return NULL;
}

BYTEA_KERNEL(kern_encode, 2, TRY(encode_row(out, r, VIEW(0), VIEW(1)));)

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

static Error *bad_hex_digit(const char *at, size_t left)
{
    int length = 1;
    while ((size_t)length < left && ((unsigned char)at[length] & 0xC0) == 0x80) length++;
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%.*s\"",
                   length, at);
}

static Error *decode_hex(const char *src, size_t size, unsigned char *dst, size_t *used_out)
{
    size_t used = 0;
    for (size_t pos = 0; pos < size;) {
        if (is_space(src[pos])) {
            pos++;
            continue;
        }
        int high = hex_value(src[pos]);
        if (high < 0) return bad_hex_digit(src + pos, size - pos);
        if (pos + 1 >= size) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "invalid hexadecimal data: odd number of digits");
        }
        int low = hex_value(src[pos + 1]);
        if (low < 0) return bad_hex_digit(src + pos + 1, size - pos - 1);
        dst[used++] = (unsigned char)(high << 4 | low);
        pos += 2;
    }
    *used_out = used;
    return NULL;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static Error *base64_end_error(void)
{
    return err_set_hint(err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid base64 end sequence"),
                        "Input data is missing padding, is truncated, or is otherwise corrupted.");
}

/* decode_base64: PostgreSQL's rules: whitespace is skipped; the first '=' may only stand in
 * the 3rd or 4th place of a group and fixes how many bytes every later group gives (1 or 2);
 * the characters must end a group. */
static Error *decode_base64(const char *src, size_t size, unsigned char *dst, size_t *used_out)
{
    size_t used = 0;
    uint32_t acc = 0;
    int pos_in_group = 0, end = 0;
    for (size_t pos = 0; pos < size; pos++) {
        char c = src[pos];
        if (is_space(c)) continue;
        int value = 0;
        if (c == '=') {
            if (end == 0) {
                if (pos_in_group == 2) {
                    end = 1;
                } else if (pos_in_group == 3) {
                    end = 2;
                } else {
                    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                   "unexpected \"=\" while decoding base64 sequence");
                }
            }
        } else {
            value = base64_value(c);
            if (value < 0) {
                size_t length = 1;
                while ((c & 0x80) != 0 && pos + length < size &&
                       ((unsigned char)src[pos + length] & 0xC0) == 0x80) {
                    length++;
                }
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "invalid symbol \"%.*s\" found while decoding base64 sequence",
                               (int)length, src + pos);
            }
        }
        acc = acc << 6 | (uint32_t)value;
        if (++pos_in_group == 4) {
            dst[used++] = (unsigned char)(acc >> 16);
            if (end == 0 || end > 1) dst[used++] = (unsigned char)(acc >> 8);
            if (end == 0 || end > 2) dst[used++] = (unsigned char)acc;
            pos_in_group = 0;
            acc = 0;
        }
    }
    if (pos_in_group != 0) return base64_end_error();
    *used_out = used;
    return NULL;
}

static bool is_octal(char c, char max) { return c >= '0' && c <= max; }

static Error *decode_escape(const char *src, size_t size, unsigned char *dst, size_t *used_out)
{
    size_t used = 0;
    for (size_t pos = 0; pos < size;) {
        if (src[pos] != '\\') {
            dst[used++] = (unsigned char)src[pos++];
        } else if (pos + 3 < size && is_octal(src[pos + 1], '3') && is_octal(src[pos + 2], '7') &&
                   is_octal(src[pos + 3], '7')) {
            dst[used++] = (unsigned char)(((src[pos + 1] - '0') << 6) |
                                          ((src[pos + 2] - '0') << 3) | (src[pos + 3] - '0'));
            pos += 4;
        } else if (pos + 1 < size && src[pos + 1] == '\\') {
            dst[used++] = '\\';
            pos += 2;
        } else {
            return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION,
                           "invalid input syntax for type bytea");
        }
    }
    *used_out = used;
    return NULL;
}

static Error *decode_row(Vector *out, uint32_t row_idx, const StrView *text, const StrView *name)
{
    Codec codec = CODEC_HEX;   /* set by codec_of; initialized for -O3 -Wmaybe-uninitialized */
    TRY(codec_of(name, &codec));
    unsigned char *result = (unsigned char *)out_alloc(out, text->size);
    if (result == NULL) return kern_oom();
    const char *src = str_view_data(text);
    size_t used = 0;
    if (codec == CODEC_HEX) TRY(decode_hex(src, text->size, result, &used));
    else if (codec == CODEC_BASE64) TRY(decode_base64(src, text->size, result, &used));
    else TRY(decode_escape(src, text->size, result, &used));
    ASSERT(used <= text->size);
    out_set(out, row_idx, (const char *)result, used);
    return NULL;
}

BYTEA_KERNEL(kern_decode, 2, TRY(decode_row(out, r, VIEW(0), VIEW(1)));)

/* ---- digests ----------------------------------------------------------------------------- */

static Error *digest_row(Vector *out, uint32_t row_idx, const StrView *data, const EVP_MD *md,
                         bool as_hex)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    if (EVP_Digest(str_view_data(data), data->size, digest, &digest_size, md, NULL) != 1) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "could not compute %s hash", EVP_MD_get0_name(md));
    }
    size_t size = as_hex ? digest_size * 2 : digest_size;
    char *result = out_alloc(out, size);
    if (result == NULL) return kern_oom();
    if (as_hex) encode_hex(digest, digest_size, result);
    else memcpy(result, digest, digest_size);
    out_set(out, row_idx, result, size);
    return NULL;
}

BYTEA_KERNEL(kern_md5, 1, TRY(digest_row(out, r, VIEW(0), EVP_md5(), true));)
BYTEA_KERNEL(kern_sha224, 1, TRY(digest_row(out, r, VIEW(0), EVP_sha224(), false));)
BYTEA_KERNEL(kern_sha256, 1, TRY(digest_row(out, r, VIEW(0), EVP_sha256(), false));)
BYTEA_KERNEL(kern_sha384, 1, TRY(digest_row(out, r, VIEW(0), EVP_sha384(), false));)
BYTEA_KERNEL(kern_sha512, 1, TRY(digest_row(out, r, VIEW(0), EVP_sha512(), false));)

/* ---- convert_to / convert_from ----------------------------------------------------------- */

typedef enum Charset { CHARSET_UTF8, CHARSET_SQL_ASCII, CHARSET_LATIN1, CHARSET_UNKNOWN } Charset;

/* charset_of: PostgreSQL's clean_encoding_name: letters and digits only, case folded. */
static Charset charset_of(const StrView *name)
{
    char clean[32];
    size_t used = 0;
    const char *data = str_view_data(name);
    for (uint32_t byte_idx = 0; byte_idx < name->size; byte_idx++) {
        char c = data[byte_idx];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) continue;
        if (used + 1 >= sizeof clean) return CHARSET_UNKNOWN;
        clean[used++] = c;
    }
    clean[used] = '\0';
    if (strcmp(clean, "utf8") == 0 || strcmp(clean, "unicode") == 0) return CHARSET_UTF8;
    if (strcmp(clean, "sqlascii") == 0) return CHARSET_SQL_ASCII;
    if (strcmp(clean, "latin1") == 0 || strcmp(clean, "iso88591") == 0) return CHARSET_LATIN1;
    return CHARSET_UNKNOWN;
}

/* utf8_check: the length of the valid UTF-8 sequence at s (0 if invalid). */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
    unsigned char b = s[0];
    size_t length = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                                : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (length == 0 || length > left) return 0;
    if (b == 0) return 0;
    for (size_t idx = 1; idx < length; idx++) {
        if ((s[idx] & 0xC0) != 0x80) return 0;
    }
    if (length == 2 && b < 0xC2) return 0;
    if (length == 3) {
        if (b == 0xE0 && s[1] < 0xA0) return 0;
        if (b == 0xED && s[1] >= 0xA0) return 0;
    }
    if (length == 4 && ((b == 0xF0 && s[1] < 0x90) || b > 0xF4 || (b == 0xF4 && s[1] >= 0x90))) {
        return 0;
    }
    return length;
}

static Error *bad_utf8(const unsigned char *s, size_t left)
{
    char hex[5 * 4 + 1];
    size_t used = 0, length = 1;
    unsigned char b = s[0];
    size_t want = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
    length = want < left ? want : left;
    for (size_t idx = 0; idx < length; idx++) {
        used += (size_t)snprintf(hex + used, sizeof hex - used, "%s0x%02x", idx > 0 ? " " : "",
                                 s[idx]);
    }
    return err_new(SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE,
                   "invalid byte sequence for encoding \"UTF8\": %s", hex);
}

static Error *check_utf8(const unsigned char *s, size_t size)
{
    for (size_t pos = 0; pos < size;) {
        size_t length = utf8_sequence(s + pos, size - pos);
        if (length == 0) return bad_utf8(s + pos, size - pos);
        pos += length;
    }
    return NULL;
}

static Error *convert_to_row(Vector *out, uint32_t row_idx, const StrView *text,
                             const StrView *name)
{
    Charset charset = charset_of(name);
    const unsigned char *src = (const unsigned char *)str_view_data(text);
    if (charset == CHARSET_UNKNOWN) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "invalid destination encoding name \"%.*s\"", (int)name->size,
                       str_view_data(name));
    }
    if (charset != CHARSET_LATIN1) return vec_str_set(out, row_idx, (const char *)src, text->size);
    char *result = out_alloc(out, text->size);
    if (result == NULL) return kern_oom();
    size_t used = 0;
    for (size_t pos = 0; pos < text->size;) {
        size_t length = utf8_sequence(src + pos, text->size - pos);
        if (length == 0) return bad_utf8(src + pos, text->size - pos);
        uint32_t code = length == 1   ? src[pos]
                        : length == 2 ? ((uint32_t)(src[pos] & 0x1F) << 6 | (src[pos + 1] & 0x3F))
                                      : 0x100;
        if (code > 0xFF) {
            char hex[5 * 4 + 1];
            size_t hex_used = 0;
            for (size_t idx = 0; idx < length; idx++) {
                hex_used += (size_t)snprintf(hex + hex_used, sizeof hex - hex_used, "%s0x%02x",
                                             idx > 0 ? " " : "", src[pos + idx]);
            }
            return err_new(SQLSTATE_UNTRANSLATABLE_CHARACTER,
                           "character with byte sequence %s in encoding \"UTF8\" has no "
                           "equivalent in encoding \"LATIN1\"", hex);
        }
        result[used++] = (char)code;
        pos += length;
    }
    out_set(out, row_idx, result, used);
    return NULL;
}

static Error *convert_from_row(Vector *out, uint32_t row_idx, const StrView *data,
                               const StrView *name)
{
    Charset charset = charset_of(name);
    const unsigned char *src = (const unsigned char *)str_view_data(data);
    if (charset == CHARSET_UNKNOWN) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid source encoding name \"%.*s\"",
                       (int)name->size, str_view_data(name));
    }
    if (charset != CHARSET_LATIN1) {
        TRY(check_utf8(src, data->size));
        return vec_str_set(out, row_idx, (const char *)src, data->size);
    }
    char *result = out_alloc(out, (size_t)data->size * 2);
    if (result == NULL) return kern_oom();
    size_t used = 0;
    for (size_t pos = 0; pos < data->size; pos++) {
        unsigned char byte = src[pos];
        if (byte == 0) {
            return err_new(SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE,
                           "invalid byte sequence for encoding \"LATIN1\": 0x00");
        }
        if (byte < 0x80) {
            result[used++] = (char)byte;
        } else {
            result[used++] = (char)(0xC0 | (byte >> 6));
            result[used++] = (char)(0x80 | (byte & 0x3F));
        }
    }
    out_set(out, row_idx, result, used);
    return NULL;
}

BYTEA_KERNEL(kern_convert_to, 2, TRY(convert_to_row(out, r, VIEW(0), VIEW(1)));)
BYTEA_KERNEL(kern_convert_from, 2, TRY(convert_from_row(out, r, VIEW(0), VIEW(1)));)
