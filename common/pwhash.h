/* common/pwhash.h: password verifiers as PostgreSQL stores them (pg_authid.rolpassword), and the
 * CREATE/ALTER ROLE ... PASSWORD makes them (executor/). Hashes, HMAC and PBKDF2 come from
 * OpenSSL's libcrypto. The server's side of the exchanges (parsing a verifier, checking a
 * client's proof) is wire/auth.c's, since wire/ may call only include/birch.h.
 *
 * Verifier formats (exactly PostgreSQL's, so a verifier copied from PostgreSQL works):
 * - SCRAM-SHA-256: "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>"
 *   (RFC 5802/7677; 4096 iterations, 16-byte random salt by default).
 * - md5: "md5" followed by 32 lowercase hex digits of md5(password || username).
 *
 * Invariants:
 * 1. Nothing here keeps a clear-text password beyond the call; buffers holding one are wiped.
 * 2. The salt comes from OpenSSL's RAND_bytes; a failure is an error, never a weak salt.
 */
#ifndef BIRCH_COMMON_PWHASH_H
#define BIRCH_COMMON_PWHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

enum {
    PWHASH_SCRAM_ITERATIONS = 4096,
    PWHASH_SCRAM_SALT_SIZE = 16,
    PWHASH_SCRAM_KEY_SIZE = 32,      /* SHA-256 */
};

/* pwhash_scram_verifier: a new SCRAM-SHA-256 verifier of password (random salt) in arena.
 * Errors: 58000 if the random generator or libcrypto fails. */
Error *pwhash_scram_verifier(Arena *arena, const char *password, const char **verifier_out);
/* pwhash_md5_verifier: "md5" + hex(md5(password || user)) in arena. */
Error *pwhash_md5_verifier(Arena *arena, const char *password, const char *user,
                           const char **verifier_out);
/* pwhash_is_verifier: whether text already is a verifier in one of the two formats (CREATE ROLE
 * ... PASSWORD 'SCRAM-SHA-256$...' stores it as given, as PostgreSQL does). */
bool pwhash_is_verifier(const char *text);

#endif
