/* common/uuid.h: PostgreSQL's uuid type: 16 bytes, text input and output, random version 4.
 *
 * A uuid value is its 16 bytes in network order (PostgreSQL's pg_uuid_t); that is also the
 * binary wire form (uuid_send/uuid_recv) and memcmp order is PostgreSQL's uuid order. */
#ifndef BIRCH_COMMON_UUID_H
#define BIRCH_COMMON_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum {
    UUID_SIZE = 16,       /* bytes of a value */
    UUID_TEXT_SIZE = 36,  /* characters of uuid_format's output (8-4-4-4-12), without the NUL */
};

/* uuid_parse: text (size bytes, no NUL needed) in any form PostgreSQL's uuid_in accepts: 32 hex
 * digits of either case, a '-' optional after any group of four digits but the last, the whole
 * optionally in braces; nothing else (no spaces).
 * Post: out holds the 16 bytes. Errors: INVALID_TEXT_REPRESENTATION (22P02) `invalid input
 * syntax for type uuid: "text"`; on error out is unspecified. */
Error *uuid_parse(const char *text, size_t size, uint8_t out[UUID_SIZE]);
/* uuid_format: value as lower-case 8-4-4-4-12 into buffer (UUID_TEXT_SIZE + 1 bytes, NUL
 * terminated). */
void   uuid_format(const uint8_t value[UUID_SIZE], char buffer[UUID_TEXT_SIZE + 1]);
/* uuid_random: a version 4 (random) uuid from libcrypto's RAND_bytes, as gen_random_uuid().
 * Errors: INTERNAL_ERROR when the random generator fails. */
Error *uuid_random(uint8_t out[UUID_SIZE]);

#endif
