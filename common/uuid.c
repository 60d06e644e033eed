/* common/uuid.c: uuid text input/output and random generation (common/uuid.h).
 *
 * The input grammar is PostgreSQL's string_to_uuid: pairs of hex digits, a '-' allowed after
 * every second byte (never after the last), optional surrounding braces. The error names the
 * whole input as PostgreSQL does. */
#include "common/uuid.h"

#include <openssl/rand.h>

#include "common/asserts.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static Error *syntax_error(const char *text, size_t size)
{
    int shown = size > 1000000 ? 1000000 : (int)size;
    return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type uuid: \"%.*s\"",
                   shown, text);
}

Error *uuid_parse(const char *text, size_t size, uint8_t out[UUID_SIZE])
{
    size_t pos = 0;
    bool braces = size > 0 && text[0] == '{';
    if (braces) pos++;
    for (uint32_t byte_idx = 0; byte_idx < UUID_SIZE; byte_idx++) {
        if (pos + 2 > size) return syntax_error(text, size);
        int high = hex_value(text[pos]), low = hex_value(text[pos + 1]);
        if (high < 0 || low < 0) return syntax_error(text, size);
        out[byte_idx] = (uint8_t)(high << 4 | low);
        pos += 2;
        if (pos < size && text[pos] == '-' && byte_idx % 2 == 1 && byte_idx < UUID_SIZE - 1) pos++;
    }
    if (braces) {
        if (pos >= size || text[pos] != '}') return syntax_error(text, size);
        pos++;
    }
    if (pos != size) return syntax_error(text, size);
    return NULL;
}

void uuid_format(const uint8_t value[UUID_SIZE], char buffer[UUID_TEXT_SIZE + 1])
{
    static const char DIGITS[] = "0123456789abcdef";
    size_t pos = 0;
    for (uint32_t byte_idx = 0; byte_idx < UUID_SIZE; byte_idx++) {
        if (byte_idx == 4 || byte_idx == 6 || byte_idx == 8 || byte_idx == 10) buffer[pos++] = '-';
        buffer[pos++] = DIGITS[value[byte_idx] >> 4];
        buffer[pos++] = DIGITS[value[byte_idx] & 0xF];
    }
    ASSERT(pos == UUID_TEXT_SIZE);
    buffer[pos] = '\0';
}

Error *uuid_random(uint8_t out[UUID_SIZE])
{
    if (RAND_bytes(out, UUID_SIZE) != 1) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "could not generate random values");
    }
    out[6] = (uint8_t)((out[6] & 0x0F) | 0x40);   /* version 4 */
    out[8] = (uint8_t)((out[8] & 0x3F) | 0x80);   /* variant RFC 4122 */
    return NULL;
}
